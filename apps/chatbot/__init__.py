"""A sequence-to-sequence chatbot: bidirectional LSTM encoder, attention LSTM
decoder, beam search; English and Chinese; string in, string out.

Entry points: `python -m apps.chatbot.{train,generate,evaluate,export}`
(`generate --interactive` chats in the terminal).
"""
