"""How customers word things: tokens, typo-tolerant vocabularies (English and Bahasa
Indonesia), and the reading of a request for a person. Pure text rules shared by the bot
(which must not answer a request it should pass on) and the escalation signals (which
decide on it), so the two can never read the same words differently."""
