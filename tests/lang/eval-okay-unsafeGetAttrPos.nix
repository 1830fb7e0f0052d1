# positions of attributes
let s = {
  here = 1;
}; in [ (builtins.unsafeGetAttrPos "here" s).line (builtins.unsafeGetAttrPos "nope" s) ]
