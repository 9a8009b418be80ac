using JSON
JSON.json("a"=>1)