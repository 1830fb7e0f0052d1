# Merging into an earlier `a.b` drops the `rec` of the later set: `d` is unbound.
{
  a.b = 1;
  a = rec { c = d; d = 1; };
}
