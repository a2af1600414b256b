"""Follows: a person or a topic a channel waits on; new quotes and passages delivered once.

`book` keeps follows, matches and deliveries in the shared state database; `matching` reads
the store's change log and judges what arrived as answers would; `following` is what the
command table and the surfaces call.
"""
