"""Chats with a trained chatbot, from its run directory.

`--interactive` (or no messages) reads one message per line from stdin (a
terminal or a pipe) and prints each reply as `bot> ...`. The conversation
is kept: each message is sent with the turns before it
(`datasets.dialogues`: one turn per line; the model reads the last
`context_turns` of the run). Commands: `/reset` forgets the conversation,
`/quit` (or the end of the input) leaves. Otherwise each message given on
the command line is answered on its own (a message may hold earlier turns,
one per line).

Works on any Keras backend (the decoder runs eagerly).

Example:

```
python -m apps.chatbot.generate --run_dir runs/chatbot --interactive
printf 'Hello\\nHow are you?\\n/quit\\n' | \\
    python -m apps.chatbot.generate --interactive
python -m apps.chatbot.generate "Hello" $'Hi\\nHow are you?' --num_beams 1
```
"""

import dataclasses
import sys
from collections.abc import Callable, Iterable, Iterator

from apps.chatbot.config import APP
from apps.chatbot.decoding import DecodingConfig, Responder
from apps.framework import BaseRunConfig
from apps.framework import cli_errors
from apps.framework import config_parser
from apps.framework import parse_configs
from apps.framework import restore
from apps.framework import seed_everything
from datasets.dialogues import join_turns

PROMPT = "you> "
REPLY_PREFIX = "bot> "
COMMANDS = {"/reset": "forget the conversation", "/quit": "leave"}
HELP = "Commands: " + ", ".join(
    f"{command} ({what})" for command, what in COMMANDS.items())


@dataclasses.dataclass(frozen=True)
class GenerateConfig(BaseRunConfig):
    """What to answer.

    Args:
        messages: tuple of str, messages to answer, each on its own (turns
            of one message separated by line breaks); ignored with
            `interactive`. Defaults to `()`.
        run_dir: str, training run to load. Defaults to `"runs/chatbot"`.
        interactive: bool, chat on stdin, one message per line, keeping the
            conversation (`/reset`, `/quit`); also when no messages are
            given. Defaults to `False`.
    """

    messages: tuple[str, ...] = dataclasses.field(
        default=(), metadata={"positional": True})
    run_dir: str = "runs/chatbot"
    interactive: bool = False


class Conversation:
    """The turns so far, and the message the model reads for a new one.

    Args:
        context_turns: int, turns the model reads (the run's
            `context_turns`); older ones are dropped.

    Example:

    >>> conversation = Conversation(context_turns=3)
    >>> conversation.add("Hi", "Hello")
    >>> conversation.message("How are you?")
    'Hi\\nHello\\nHow are you?'
    """

    def __init__(self, context_turns: int):
        self.context_turns = context_turns
        self.turns = []

    def message(self, text: str) -> str:
        """The history and `text`, joined by line breaks."""
        return join_turns((self.turns + [text])[-self.context_turns:])

    def add(self, text: str, reply: str) -> None:
        """Records one exchange."""
        self.turns = (self.turns + [text, reply])[-self.context_turns:]

    def reset(self) -> None:
        """Forgets every turn."""
        self.turns = []


def input_lines(stream) -> Iterator[str]:
    """Lines of `stream`, prompting with `PROMPT` when it is a terminal."""
    if not stream.isatty():
        for line in stream:
            yield line.rstrip("\n")
        return
    while True:
        try:
            yield input(PROMPT)
        except EOFError:
            print()
            return


def chat(answer: Callable[[str], str], lines: Iterable[str],
         context_turns: int, write: Callable[[str], None] = print) -> int:
    """Runs a conversation: answers each line, obeying the commands.

    A message `answer` refuses (`ValueError`) is reported and skipped.

    Args:
        answer: callable message -> reply (e.g. one `Responder.reply`).
        lines: iterable of str, the user's lines.
        context_turns: int, turns the model reads.
        write: callable printing one line. Defaults to `print`.

    Returns:
        int, the number of replies given.

    Example:

    >>> chat(lambda message: message.upper(), ["hi", "/quit", "no"], 2)
    bot> HI
    1
    """
    conversation = Conversation(context_turns)
    replies = 0
    for line in lines:
        text = line.strip()
        if text == "/quit":
            break
        if text == "/reset":
            conversation.reset()
            write("(conversation forgotten)")
            continue
        if text.startswith("/"):
            write(HELP)
            continue
        if not text:
            continue
        try:
            reply = answer(conversation.message(text))
        except ValueError as error:  # e.g. a line of unknown whitespace
            write(f"(not answered: {error})")
            continue
        write(REPLY_PREFIX + reply)
        conversation.add(text, reply)
        replies += 1
    return replies


def load_responder(run_dir: str, decoding: DecodingConfig,
                   seed: int) -> Responder:
    """The `Responder` of a training run."""
    restored = restore(APP, run_dir)
    return Responder(restored.model, restored.assets["tokenizer"],
                     restored.train_config, decoding, seed)


def build_parser():
    """The command line of `python -m apps.chatbot.generate`."""
    return config_parser(
        APP.command("generate"),
        "Chat with a trained chatbot (--interactive true), or answer the "
        "messages given.",
        GenerateConfig,
        DecodingConfig,
    )


def main(argv=None) -> None:
    """Parses the command line, then chats or prints the replies."""
    parser = build_parser()
    with cli_errors(parser.prog):
        config, decoding = parse_configs(
            parser, argv, GenerateConfig, DecodingConfig)
        seed_everything(config.seed)
        responder = load_responder(config.run_dir, decoding, config.seed)
        if config.interactive or not config.messages:
            print(f"Chatting with {config.run_dir}. {HELP}", flush=True)
            chat(lambda message: responder.reply([message])[0],
                 input_lines(sys.stdin),
                 responder.train_config.context_turns,
                 lambda text: print(text, flush=True))
            return
        replies = responder.reply(list(config.messages))
    for message, reply in zip(config.messages, replies):
        print(f"{message!r} -> {reply}")


if __name__ == "__main__":
    main()
