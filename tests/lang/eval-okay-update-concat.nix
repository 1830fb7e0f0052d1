# `//` prefers the right side; `++` concatenates
[ ({ a = 1; b = 2; } // { b = 3; c = 4; }) ([ 1 ] ++ [ 2 3 ] ++ [ ]) ({ } // { }) ]
