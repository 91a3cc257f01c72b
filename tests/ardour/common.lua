-- Helpers shared by setup.lua and export.lua (loaded with dofile).
local M = {}

-- The Dummy backend ("None (Dummy)"), at `block` samples per cycle when given. Must run before
-- create_session/load_session: those start the engine with the backend's settings.
function M.dummy_backend(block)
	local backend = AudioEngine:set_backend("None (Dummy)", "", "")
	assert(backend, "no Dummy backend")
	if block then
		assert(backend:set_buffer_size(block) == 0, "the Dummy backend refused block size " .. block)
	end
	return backend
end

function M.first_track()
	for r in Session:get_tracks():iter() do
		return r:to_track()
	end
	error("the session has no track")
end

-- Every plugin insert on every route: { {route=, proc=}, ... }
function M.plugins()
	local list = {}
	for r in Session:get_routes():iter() do
		local i = 0
		while true do
			local proc = r:nth_plugin(i)
			if proc:isnil() then break end
			list[#list + 1] = { route = r, proc = proc }
			i = i + 1
		end
	end
	return list
end

-- Ardour's view of a plugin's parameters: index, name (the VST3 title; "hidden" for hidden ones),
-- whether it is an input, plain range, default and current value.
function M.param_table(proc, title, inputs_only)
	local plug = proc:to_insert():plugin(0)
	print(title)
	print(string.format("  %-4s %-32s %-5s %12s %12s %12s %12s", "#", "name", "input", "lower", "upper", "default", "value"))
	for i = 0, plug:parameter_count() - 1 do
		if not inputs_only or plug:parameter_is_input(i) then
			local _, t = plug:get_parameter_descriptor(i, ARDOUR.ParameterDescriptor())
			local pd = t[2]
			local v = ARDOUR.LuaAPI.get_processor_param(proc, i, true)
			print(string.format("  #%-3d %-32s %-5s %12.6g %12.6g %12.6g %12.6g", i, plug:parameter_label(i),
				tostring(plug:parameter_is_input(i)), pd.lower, pd.upper, pd.normal, v))
		end
	end
end

-- "#N" or a parameter name -> Ardour's parameter index
function M.find_param(proc, key)
	local plug = proc:to_insert():plugin(0)
	local idx = key:match("^#(%d+)$")
	if idx then return tonumber(idx) end
	for i = 0, plug:parameter_count() - 1 do
		if plug:parameter_label(i) == key then return i end
	end
	error("no parameter named '" .. key .. "' (see the parameter table)")
end

-- Sets NAME=VALUE (plain value) through the plugin's automation control, as a GUI knob does.
function M.set_param(proc, assignment)
	local plug = proc:to_insert():plugin(0)
	local key, val = assignment:match("^(.-)=(.*)$")
	assert(key and tonumber(val), "bad PARAM=VALUE: " .. assignment)
	local idx = M.find_param(proc, key)
	local ok = ARDOUR.LuaAPI.set_processor_param(proc, idx, tonumber(val))
	print(string.format("set #%d %s = %s: %s", idx, plug:parameter_label(idx), val, ok and "ok" or "REFUSED"))
	assert(ok, "set_processor_param refused it (out of range or not an input)")
end

function M.sleep(seconds)
	if seconds > 0 then ARDOUR.LuaAPI.usleep(math.floor(seconds * 1e6)) end
end

return M
