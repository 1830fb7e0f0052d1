# integer overflow is an error, not a wrap
9223372036854775807 + 1
