"""How much of a known text a transcript heard: the measure of the captions tests and bench/captions.py."""


def words_of(text: str) -> list[str]:
    """Lower-case words, punctuation dropped."""
    return "".join(char.lower() if char.isalnum() or char.isspace() else " " for char in text).split()


def heard_in_order(expected: list[str], heard: list[str]) -> int:
    """How many of the expected words were heard in their order (the longest common subsequence)."""
    previous = [0] * (len(heard) + 1)
    for word in expected:
        current = [0]
        for index, other in enumerate(heard):
            current.append(previous[index] + 1 if word == other else max(previous[index + 1], current[-1]))
        previous = current
    return previous[-1]


def recall_in_order(expected: list[str], heard: list[str]) -> float:
    """The share of the expected words heard in their order."""
    return heard_in_order(expected, heard) / max(1, len(expected))
