"café"
