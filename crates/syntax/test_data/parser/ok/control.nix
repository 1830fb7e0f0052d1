assert a; with b; if c then d else if e then f else g
