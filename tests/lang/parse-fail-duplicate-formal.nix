args @ { args, x }: x
