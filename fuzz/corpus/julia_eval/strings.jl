s = "héllo wörld"
(uppercase(s), length(s), s[1:2], reverse(s))