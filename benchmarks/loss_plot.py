"""Validation loss against wall-clock seconds, one line per model and budget.

Quality benchmarks write their curves as rows of `model`, `budget_s`,
`elapsed_s`, `validation_loss` and `evaluation` (`"curve"` for points
scored during training on a validation subset, `"final"` for the run's
closing evaluation on the whole split). `plot_loss_curves` draws them on
a matplotlib `Figure` with the non-interactive `Agg` canvas (no pyplot, no
global backend switch): one colour per model, one line style per budget, a
star at each final evaluation.
"""

import pathlib

import pandas
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

LINE_STYLES = ("-", "--", ":", "-.")


def plot_loss_curves(curves: pandas.DataFrame, path, title: str,
                     caption: str,
                     ylabel: str = "validation loss (nats/char)") -> None:
    """Saves a PNG of validation loss against elapsed seconds.

    Args:
        curves: `pandas.DataFrame` with columns `model`, `budget_s`,
            `elapsed_s`, `validation_loss` and `evaluation` (`"curve"` or
            `"final"`).
        path: str or path of the PNG; its folder is created.
        title: str, the plot's title.
        caption: str, a second line under the title (the CPU line).
        ylabel: str, the y axis label.
            Defaults to `"validation loss (nats/char)"`.

    Example:

    >>> curves = pandas.DataFrame({
    ...     "model": ["lstm"] * 2, "budget_s": [90.0] * 2,
    ...     "elapsed_s": [45.0, 90.0], "validation_loss": [2.1, 1.9],
    ...     "evaluation": ["curve", "final"]})
    >>> plot_loss_curves(curves, "/tmp/loss.png", "demo", "a CPU")
    """
    figure = Figure(figsize=(9, 5.5), dpi=120)
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    models = list(dict.fromkeys(curves["model"]))
    budgets = sorted(set(curves["budget_s"]))
    for (model, budget_s), run in curves.groupby(["model", "budget_s"]):
        run = run.sort_values("elapsed_s")
        final = run[run["evaluation"] == "final"]
        colour = f"C{models.index(model)}"
        style = LINE_STYLES[budgets.index(budget_s) % len(LINE_STYLES)]
        axes.plot(run["elapsed_s"], run["validation_loss"], style,
                  color=colour, marker="o", markersize=3,
                  label=f"{model}, {budget_s:g} s budget: "
                  f"{final['validation_loss'].iloc[-1]:.3f}")
        axes.plot(final["elapsed_s"], final["validation_loss"], "*",
                  color=colour, markersize=12)
    axes.set_xlabel("wall-clock seconds (training plus curve evaluations)")
    axes.set_ylabel(ylabel)
    axes.set_title(f"{title}\n{caption}", fontsize=10)
    axes.grid(True, alpha=0.3)
    axes.legend(title="final loss on the whole split (star)", fontsize=9)
    figure.tight_layout()
    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    canvas.print_png(str(path))
