try
  error("boom")
catch e
  sprint(showerror, e)
end