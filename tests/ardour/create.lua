-- ardour7-lua create.lua SESSION_DIR SESSION_NAME SAMPLE_RATE
-- A new, empty session (stereo master) with one stereo audio track "Audio 1" feeding the master
-- bus, saved.
local dir, name, rate = arg[1], arg[2], tonumber(arg[3] or "48000")
assert(dir and name, "usage: create.lua SESSION_DIR SESSION_NAME [RATE]")

local backend = AudioEngine:set_backend("None (Dummy)", "", "")
assert(backend, "no Dummy backend")

local s = create_session(dir, name, rate)
assert(s, "create_session failed")

local tl = Session:new_audio_track(2, 2, nil, 1, "Audio",
	ARDOUR.PresentationInfo.max_order, ARDOUR.TrackMode.Normal, true)
assert(tl:size() == 1, "new_audio_track failed")
local track = tl:front()

-- The GUI's auto-connect thread does not get to run here: connect the track to the master bus.
local master_in = Session:master_out():input()
for i = 0, 1 do
	local port = track:output():audio(i)
	local dest = master_in:audio(i):name()
	if not port:connected_to(dest) then
		assert(track:output():connect(port, dest, nil) == 0, "cannot connect to " .. dest)
	end
end
assert(Session:save_state("", false, false, false, false, false) == 0, "save_state failed")
print("created " .. dir .. "/" .. name .. ".ardour")
close_session()
quit()
