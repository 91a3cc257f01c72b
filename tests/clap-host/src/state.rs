//! nice-plug's CLAP state, as the tests read and write it: the JSON length as a little-endian
//! `u64`, then JSON `{"version", "params", "fields"}`; persisted fields (the layout version, the
//! session) are JSON documents inside strings.

/// Splits a saved state into its JSON (checking the length prefix).
pub fn state_json(bytes: &[u8]) -> serde_json::Value {
    assert!(bytes.len() > 8, "state too short");
    let length = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    assert_eq!(length, bytes.len() - 8, "length prefix");
    serde_json::from_slice(&bytes[8..]).expect("state JSON")
}

/// The state bytes for `json`.
pub fn state_bytes(json: &serde_json::Value) -> Vec<u8> {
    let body = serde_json::to_vec(json).unwrap();
    let mut bytes = (body.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(&body);
    bytes
}

/// The state layout version stamped in a state's JSON.
pub fn layout_version(json: &serde_json::Value) -> &str {
    json["fields"]["version"]
        .as_str()
        .expect("fields.version is a string")
}

/// The session (preset name, A/B, lock, note) in a state's JSON.
pub fn session_of(json: &serde_json::Value) -> serde_json::Value {
    let text = json["fields"]["session"]
        .as_str()
        .expect("every state carries a session");
    serde_json::from_str(text).expect("the session is JSON")
}
