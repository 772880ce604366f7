//! Explainable rule-based classification: normalisation, rule packs, the engine, sentiment, evaluation.
