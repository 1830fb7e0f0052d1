# __overrides in rec sets replace attributes, also as seen from inside
rec { a = 1; b = a + 10; __overrides = { a = 2; }; }
