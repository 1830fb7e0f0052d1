# nested attribute paths fold into one set, across definitions
{
  a.b = 1;
  a.c.d = 2;
  a.c.e = 3;
  x = { y = 1; };
  x.z = 2;
  "quoted key".k = true;
  ${"dyn" + "amic"} = "yes";
  ${null} = "dropped";
}
