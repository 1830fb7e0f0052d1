http://example.org/a?b=c&d=e https://x.y:8080/~user/ ftp://a x:x x: x
