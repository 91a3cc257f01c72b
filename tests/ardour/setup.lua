-- ardour7-lua setup.lua SESSION_DIR SESSION_NAME PLUGIN [PARAM=VALUE ...]
--
-- What a DAW user does after opening a session: with the engine running, insert the VST3 PLUGIN
-- (its name or VST3 class id; "none" for no plugin) as the first plugin on the first track, set
-- parameters, and save.
--   PARAM is the parameter's name as Ardour shows it (the VST3 title) or #N, Ardour's parameter
--   index (as printed in the table). VALUE is the plain value Ardour uses (the plugin's
--   normalizedParamToPlain: dB for a dB parameter, the item index for a list, 0/1 for a switch).
-- Prints the plugin's parameter table and its latency, after the insert and before the save.
-- Environment: LATHE_ARDOUR_SETTLE seconds to let the engine run between the insert and the
-- parameter changes, and again between the changes and the save (default 1);
-- LATHE_ARDOUR_BLOCK the engine block size for this step (default 1024).
local C = dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "common.lua")
local dir, name, plugname = arg[1], arg[2], arg[3]
assert(dir and name and plugname, "usage: setup.lua SESSION_DIR SESSION_NAME PLUGIN [PARAM=VALUE ...]")
local settle = tonumber(os.getenv("LATHE_ARDOUR_SETTLE") or "1")

C.dummy_backend(tonumber(os.getenv("LATHE_ARDOUR_BLOCK") or "1024"))
assert(load_session(dir, name), "load_session failed")
print(string.format("session %s: rate %d, engine block %d", name, Session:nominal_sample_rate(), Session:get_block_size()))

local track = C.first_track()
local nreg = track:playlist():region_list():size()
print("regions on track: " .. nreg)
assert(nreg > 0, "the track has no region (add_region.py failed?)")

local function save()
	assert(Session:save_state("", false, false, false, false, false) == 0, "save_state failed")
	print("saved " .. dir .. "/" .. name .. ".ardour")
end

if plugname == "none" then -- no plugin: the render should be the input, bit for bit
	save()
	close_session()
	quit()
	return
end

local proc = ARDOUR.LuaAPI.new_plugin(Session, plugname, ARDOUR.PluginType.VST3, "")
if proc:isnil() then
	print("VST3 plugins Ardour knows:")
	for p in ARDOUR.LuaAPI.list_plugins():iter() do
		if p.type == ARDOUR.PluginType.VST3 then print("  " .. p.name .. "  " .. p.unique_id) end
	end
	error("VST3 plugin '" .. plugname .. "' not found (not scanned? run.sh scans the bundle)")
end
assert(track:add_processor_by_index(proc, 0, nil, true) == 0, "add_processor_by_index failed")
local plug = proc:to_insert():plugin(0)
print(string.format("inserted %s (%s)", proc:name(), plug:unique_id()))

local function latency()
	print(string.format("  latency: plugin %d, route %d samples", proc:signal_latency(), track:signal_latency()))
end

C.sleep(settle)
C.param_table(proc, "parameters after insert:")
latency()

for i = 4, #arg do
	C.set_param(proc, arg[i])
end

C.sleep(settle)
C.param_table(proc, "parameters before save:")
latency()

save()
close_session()
quit()
