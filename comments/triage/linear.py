"""A trained model as the site keeps it: a weight for each feature name and a bias, in JSON.

scikit-learn learns the weights (comments/triage/training.py); scoring needs none of it: the
score is the logistic of the bias plus the weights of the features present, a few dictionary
look-ups per word. JSON rather than a pickle, so a model file outlives library versions, can
be read and diffed, and loading it runs no code.
"""

import json
import math
from dataclasses import dataclass, field

FORMAT = 1


@dataclass(frozen=True)
class Linear:
    kind: str  # "spam" or "abuse"
    bias: float
    weights: dict  # feature name -> weight
    # For abuse: what kind of abuse a feature mostly came from ("insult", "threat", "hate").
    categories: dict = field(default_factory=dict)
    about: dict = field(default_factory=dict)  # how and on what it was trained

    def logit(self, features):
        weights = self.weights
        return self.bias + sum(weights.get(name, 0.0) for name in features)

    def probability(self, features):
        return logistic(self.logit(features))

    def strongest(self, features, count=3):
        """The features that pushed the score up the most, strongest first."""
        pushing = [(self.weights[name], name) for name in features if self.weights.get(name, 0) > 0]
        return [name for _, name in sorted(pushing, reverse=True)[:count]]

    def to_json(self):
        return json.dumps({
            "format": FORMAT, "kind": self.kind, "about": self.about, "bias": round(self.bias, 5),
            "weights": {name: round(weight, 5) for name, weight in sorted(self.weights.items())},
            "categories": dict(sorted(self.categories.items())),
        }, ensure_ascii=False, indent=0)

    @classmethod
    def from_json(cls, text, kind):
        data = json.loads(text)
        if data.get("format") != FORMAT or data.get("kind") != kind:
            raise ValueError(f"not a {kind} model of format {FORMAT}")
        return cls(kind, float(data["bias"]), {str(k): float(v) for k, v in data["weights"].items()},
                   dict(data.get("categories", {})), dict(data.get("about", {})))


def logistic(value):
    if value < -40:
        return 0.0
    return 1.0 / (1.0 + math.exp(-value))
