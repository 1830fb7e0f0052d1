if then else assert with let in rec inherit or
ifx a' a-b _a __curPos or-else
