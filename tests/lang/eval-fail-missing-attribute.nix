# a missing attribute names the closest existing one
let pkg = { version = "1.0"; pname = "x"; }; in pkg.verison
