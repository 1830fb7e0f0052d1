# The image alone: `cairn build ./examples/douglas-adams-quotes/image.nix`.
(import ./. { }).docker
