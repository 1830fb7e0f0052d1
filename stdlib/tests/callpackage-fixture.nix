# A package function in a file of its own, for the `callPackageWith` cases in `lib.nix`.
{ a }:
{
  twice = a * 2;
}
