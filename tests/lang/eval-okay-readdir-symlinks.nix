# readDir reports symbolic links as links; pathExists is true for a dangling link; import and
# readFile follow links.
[
  (builtins.readDir ./readdir-symlinks)
  (builtins.pathExists ./readdir-symlinks/dangling)
  (builtins.pathExists ./readdir-symlinks/missing)
  (builtins.readFile ./readdir-symlinks/link)
  (builtins.readDir ./readdir-symlinks/dirlink)
]
