a ` b % c é $ ~
