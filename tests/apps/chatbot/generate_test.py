"""Tests for apps/chatbot/generate.py: the chat, driven through stdin."""

import os

import pytest

from apps.chatbot import generate


def test_conversation_keeps_the_last_turns():
    conversation = generate.Conversation(context_turns=3)
    assert conversation.message("Hi") == "Hi"
    conversation.add("Hi", "Hello")
    conversation.add("How are you?", "Fine")
    assert conversation.turns == ["Hello", "How are you?", "Fine"]
    assert conversation.message("Good") == "How are you?\nFine\nGood"
    conversation.reset()
    assert conversation.message("Good") == "Good"


def test_chat_obeys_its_commands():
    seen, lines = [], []

    def answer(message):
        if message.endswith("!"):
            raise ValueError("no shouting")
        seen.append(message)
        return f"<{len(seen)}>"

    replies = generate.chat(
        answer, ["a", "", " b ", "/help", "/reset", "c", "d!", "/quit", "e"],
        4, lines.append)
    assert replies == 3
    assert seen == ["a", "a\n<1>\nb", "c"]
    assert lines == ["bot> <1>", "bot> <2>", generate.HELP,
                     "(conversation forgotten)", "bot> <3>",
                     "(not answered: no shouting)"]


def test_interactive_chat_through_a_pipe(english_run, monkeypatch, capsys):
    read, write = os.pipe()
    with os.fdopen(write, "w", encoding="utf-8") as stream:
        stream.write("Hello\nHow are you?\n/reset\nWhat is your name?\n"
                     "/quit\nHello\n")
    with os.fdopen(read, encoding="utf-8") as stdin:
        monkeypatch.setattr("sys.stdin", stdin)
        generate.main(["--run_dir", english_run.run_dir, "--interactive",
                       "--num_beams", "2"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"Chatting with {english_run.run_dir}.")
    assert lines[1:] == ["bot> Hi there", "bot> I am fine, thanks.",
                         "(conversation forgotten)", "bot> I am a bot."]


def test_messages_from_the_command_line(english_run, capsys):
    generate.main(["--run_dir", english_run.run_dir, "What is your name?",
                   "Hello\nHi there", "--num_beams", "1"])
    assert capsys.readouterr().out.splitlines() == [
        "'What is your name?' -> I am a bot.",
        "'Hello\\nHi there' -> How are you?"]


def test_flags_of_the_decoding(capsys):
    parser = generate.build_parser()
    args = parser.parse_args(["--interactive", "--sampling", "top_p",
                              "--top_p", "0.5"])
    assert args.interactive is True and args.top_p == 0.5
    assert parser.parse_args(["--interactive", "false"]).interactive is False
    with pytest.raises(SystemExit) as exit_info:
        generate.main(["--run_dir", "x", "--num_beams", "0", "Hi"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "python -m apps.chatbot.generate: error: Received `num_beams=0`; "
        "expected a positive integer.")
