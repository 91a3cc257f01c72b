-- ardour7-lua export.lua SESSION_DIR SESSION_NAME BLOCK_SIZE OUT_DIR OUT_NAME
--
-- Opens a saved session in this (fresh) process with the Dummy backend running at BLOCK_SIZE
-- samples per cycle, and exports the session range from the master bus (Ardour's export:
-- freewheeling, one engine cycle of BLOCK_SIZE at a time) to OUT_DIR/OUT_NAME.wav as 32-bit
-- float WAV at the session rate (preset "Lathe WAV float", found through
-- ARDOUR_EXPORT_FORMATS_PATH). Prints each plugin's latency and input parameters as Ardour sees
-- them after the load.
-- Environment: LATHE_ARDOUR_PRE_EXPORT_WAIT seconds to let the engine run before the export
-- (default 0: export as soon as the session is loaded; load_session itself waits 1 s).
local C = dofile(debug.getinfo(1, "S").source:sub(2):match("^(.*/)") .. "common.lua")
local dir, name, bs, outdir, outname = arg[1], arg[2], tonumber(arg[3] or ""), arg[4], arg[5]
assert(dir and name and bs and outdir and outname,
	"usage: export.lua SESSION_DIR SESSION_NAME BLOCK_SIZE OUT_DIR OUT_NAME")
local preset = "f7a32115-e43a-426c-ac96-b0a65c1153cd" -- export/Lathe WAV float.preset
local wait = tonumber(os.getenv("LATHE_ARDOUR_PRE_EXPORT_WAIT") or "0")

C.dummy_backend(bs)
assert(load_session(dir, name), "load_session failed")
assert(Session:get_block_size() == bs,
	string.format("engine block %d, asked for %d", Session:get_block_size(), bs))

for _, p in ipairs(C.plugins()) do
	print(string.format("loaded: route '%s' plugin '%s' latency %d samples (route latency %d)",
		p.route:name(), p.proc:name(), p.proc:signal_latency(), p.route:signal_latency()))
	if os.getenv("LATHE_ARDOUR_PRINT_PARAMS") == "1" then
		C.param_table(p.proc, "  parameters after load:", true)
	end
end

C.sleep(wait)

local range = Session:locations():session_range_location()
assert(range, "the session has no session range")
local from, to = range:start():samples(), range:_end():samples()

local e = Session:simple_export()
assert(e:set_preset(preset), "export preset not found (ARDOUR_EXPORT_FORMATS_PATH?)")
e:set_name(outname)
e:set_folder(outdir)
e:set_range(from, to)
assert(e:check_outputs(), "nothing to export (no master bus?)")
local t0 = os.clock()
assert(e:run_export(), "export failed")
print(string.format("exported %s/%s.wav: block %d, samples %d..%d, %.2f s CPU",
	outdir, outname, bs, from, to, os.clock() - t0))
for _, p in ipairs(C.plugins()) do
	print(string.format("after export: plugin '%s' latency %d samples", p.proc:name(), p.proc:signal_latency()))
end
-- Ardour 7.3 aborts at exit now and then ("double free or corruption" in ~PortExportChannel when
-- the exporter is freed). Let the engine settle, then drop the exporter before the session.
C.sleep(tonumber(os.getenv("LATHE_ARDOUR_POST_EXPORT_WAIT") or "0.5"))
e = nil
collectgarbage()
close_session()
quit()
