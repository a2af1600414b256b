"""Language tools every stage shares: words and stems, names and speakers' keys, sentence
boundaries, dates as people and feeds write them, and the lexicon's word lists."""
