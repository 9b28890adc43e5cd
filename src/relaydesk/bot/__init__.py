"""The bot: understanding, entities, self-service flows, commerce backend."""
