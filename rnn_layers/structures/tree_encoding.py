"""Trees as tensors: PTB bracket parsing and batched post-order encoding.

A tree is a nested tuple `(label, children)` where `children` is a list of
trees, or, for a leaf, `(label, word)` with `word` a string. PTB/SST
bracketed text such as `"(3 (2 It) (4 (2 's) (3 great)))"` parses into that
form with `parse_ptb_tree`.

`encode_trees` turns a batch of trees into the arrays `TreeRNN` and
`TreeLSTM` read (N = most nodes in the batch, K = most children of a node):

- `tokens` `(batch, N)` int: the leaf's word id, 0 for internal and padding
  nodes;
- `children` `(batch, N, K)` int: indices of a node's children in the same
  tree, -1 where there is none;
- `levels` `(batch, N)` int: 0 for leaves, 1 + the highest child level for
  internal nodes, -1 for padding — the topological order, since a node only
  depends on nodes of lower level;
- `labels` `(batch, N)` int: the node labels when they are integers (SST
  sentiment), else -1; -1 for padding.

Nodes are numbered in post-order (children before parents), so a tree's root
is its last real node, the one with the highest level.
"""

import numpy as np


def parse_ptb_tree(text):
    """Parses one bracketed tree, `"(label child ...)"`, into nested tuples.

    Args:
        text: string, e.g. `"(S (NP (DT the) (NN cat)) (VP (VBD sat)))"`.

    Returns:
        `(label, children)` for internal nodes, `(label, word)` for leaves.

    Raises:
        ValueError: if the brackets are unbalanced or a node is empty.
    """
    tokens = text.replace("(", " ( ").replace(")", " ) ").split()
    if not tokens or tokens[0] != "(":
        raise ValueError(
            f"Received `text={text[:60]!r}`; expected a bracketed tree "
            "starting with '(' such as '(3 (2 It) (4 great))'."
        )
    tree, end = _parse(tokens, 0, text)
    if end != len(tokens):
        raise ValueError(
            f"Received `text={text[:60]!r}` with tokens after the root's "
            "closing bracket; pass one tree per string."
        )
    return tree


def _parse(tokens, position, text):
    # tokens[position] is "("; returns (tree, position after its ")").
    position += 1
    if position >= len(tokens) or tokens[position] in "()":
        raise ValueError(
            f"Received `text={text[:60]!r}` with an unlabelled or empty node "
            f"near token {position}; every '(' must be followed by a label."
        )
    label = tokens[position]
    position += 1
    children = []
    while position < len(tokens) and tokens[position] != ")":
        if tokens[position] == "(":
            child, position = _parse(tokens, position, text)
            children.append(child)
        else:
            if children:
                raise ValueError(
                    f"Received `text={text[:60]!r}` mixing words and "
                    "subtrees in one node; a leaf is '(label word)'."
                )
            word = tokens[position]
            position += 1
            if position >= len(tokens) or tokens[position] != ")":
                raise ValueError(
                    f"Received `text={text[:60]!r}` with a leaf holding "
                    "more than one word; a leaf is '(label word)'."
                )
            return (label, word), position + 1
    if position >= len(tokens):
        raise ValueError(
            f"Received `text={text[:60]!r}` with unbalanced brackets; add "
            "the missing ')'."
        )
    if not children:
        raise ValueError(
            f"Received `text={text[:60]!r}` with an empty node '({label})'."
        )
    return (label, children), position + 1


def post_order(tree):
    """Lists a tree's nodes children-first.

    Args:
        tree: nested tuple as returned by `parse_ptb_tree`.

    Returns:
        List of `(label, word_or_None, child_positions, level)` tuples, where
        `child_positions` index into the same list.
    """
    nodes = []

    def visit(node):
        label, content = node
        if isinstance(content, str):
            nodes.append((label, content, [], 0))
            return len(nodes) - 1
        positions = [visit(child) for child in content]
        level = 1 + max(nodes[p][3] for p in positions)
        nodes.append((label, None, positions, level))
        return len(nodes) - 1

    visit(tree)
    return nodes


def _int_label(label):
    try:
        return int(label)
    except ValueError:
        return -1


def encode_trees(trees, vocabulary, oov_id=1, max_children=None):
    """Encodes a batch of trees as padded arrays (see the module docstring).

    Args:
        trees: list of trees (nested tuples) or bracketed strings.
        vocabulary: dict mapping words to ids; ids should be >= 2 (0 marks
            "no word", 1 unknown words by default).
        oov_id: id of words missing from `vocabulary`. Defaults to `1`.
        max_children: int `K`, width of `children`; `None` uses the largest
            fan-out in the batch. A binary `TreeLSTM` needs `2`. Defaults to
            `None`.

    Returns:
        Dict of numpy arrays `tokens`, `children`, `levels`, `labels`.

    Raises:
        ValueError: if a node has more than `max_children` children.

    Example:

    >>> arrays = encode_trees(["(1 (0 a) (1 b))"], {"a": 2, "b": 3})
    >>> arrays["children"][0].tolist()
    [[-1, -1], [-1, -1], [0, 1]]
    """
    if not trees:
        raise ValueError("Received `trees=[]`; expected at least one tree.")
    trees = [parse_ptb_tree(t) if isinstance(t, str) else t for t in trees]
    ordered = [post_order(tree) for tree in trees]
    widest = max(len(n[2]) for nodes in ordered for n in nodes)
    if max_children is None:
        max_children = max(widest, 1)
    if widest > max_children:
        raise ValueError(
            f"Received `max_children={max_children}`, but a node has "
            f"{widest} children; binarize the trees or raise `max_children`."
        )
    batch, size = len(trees), max(len(nodes) for nodes in ordered)
    tokens = np.zeros((batch, size), dtype="int32")
    children = np.full((batch, size, max_children), -1, dtype="int32")
    levels = np.full((batch, size), -1, dtype="int32")
    labels = np.full((batch, size), -1, dtype="int32")
    for b, nodes in enumerate(ordered):
        for n, (label, word, positions, level) in enumerate(nodes):
            if word is not None:
                tokens[b, n] = vocabulary.get(word, oov_id)
            children[b, n, : len(positions)] = positions
            levels[b, n] = level
            labels[b, n] = _int_label(label)
    return {
        "tokens": tokens,
        "children": children,
        "levels": levels,
        "labels": labels,
    }
