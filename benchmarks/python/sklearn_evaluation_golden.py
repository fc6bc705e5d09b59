"""Golden values of EvaluationSklearnGoldenTest: scikit-learn's metrics on fixed predictions.

Run: /usr/bin/python3 benchmarks/python/sklearn_evaluation_golden.py   (Debian python3-sklearn 1.2.1, NumPy 1.24)
Probabilities are rounded to float32 first, as Java holds them.
"""
import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, log_loss, precision_recall_fscore_support,
                             roc_auc_score, top_k_accuracy_score)

np.set_printoptions(precision=17)


def report(name, p, y, k=None):
    p = np.asarray(p, dtype=np.float32).astype(np.float64)
    y = np.asarray(y)
    labels = list(range(p.shape[1]))
    print("==", name)
    print("accuracy", repr(accuracy_score(y, p.argmax(1))))
    print("log_loss", repr(log_loss(y, p, labels=labels)))
    print("confusion", confusion_matrix(y, p.argmax(1), labels=labels).tolist())
    for avg in (None, "macro", "weighted"):
        pr, rc, f1, sup = precision_recall_fscore_support(y, p.argmax(1), labels=labels, average=avg,
                                                          zero_division=0)
        print(avg, "precision", repr(pr), "recall", repr(rc), "f1", repr(f1), "support", sup)
    print("roc_auc ovr macro", repr(roc_auc_score(y, p, multi_class="ovr", average="macro")))
    print("roc_auc ovr weighted", repr(roc_auc_score(y, p, multi_class="ovr", average="weighted")))
    print("roc_auc ovr per class", repr(roc_auc_score(y, p, multi_class="ovr", average=None)))
    if k:
        print("top_%d" % k, repr(top_k_accuracy_score(y, p, k=k, labels=labels)))


# four classes, 'owl' (3) never predicted: its precision is 0/0 -> zero_division 0
P4 = [[0.70, 0.10, 0.15, 0.05], [0.20, 0.50, 0.25, 0.05], [0.10, 0.30, 0.55, 0.05], [0.40, 0.35, 0.15, 0.10],
      [0.15, 0.60, 0.20, 0.05], [0.30, 0.25, 0.40, 0.05], [0.35, 0.20, 0.30, 0.15], [0.05, 0.45, 0.30, 0.20],
      [0.25, 0.20, 0.35, 0.20], [0.60, 0.15, 0.05, 0.20], [0.10, 0.20, 0.65, 0.05], [0.45, 0.05, 0.20, 0.30]]
Y4 = [0, 1, 2, 1, 1, 0, 3, 3, 2, 0, 2, 3]
report("four", P4, Y4)

# seven classes: top-5 accuracy (no ties at the true class)
P7 = [[0.30, 0.20, 0.15, 0.12, 0.10, 0.08, 0.05], [0.05, 0.08, 0.10, 0.12, 0.15, 0.20, 0.30],
      [0.10, 0.30, 0.05, 0.20, 0.15, 0.12, 0.08], [0.12, 0.05, 0.30, 0.08, 0.20, 0.10, 0.15],
      [0.20, 0.15, 0.12, 0.30, 0.05, 0.08, 0.10], [0.08, 0.10, 0.20, 0.05, 0.30, 0.15, 0.12],
      [0.15, 0.12, 0.08, 0.10, 0.20, 0.30, 0.05], [0.30, 0.05, 0.10, 0.15, 0.12, 0.20, 0.08]]
Y7 = [6, 6, 1, 3, 0, 4, 5, 2]
report("seven", P7, Y7, k=5)
