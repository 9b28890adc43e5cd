"""relaydesk: the moment a support chatbot hands a customer to a person."""

__version__ = "0.1.0"
