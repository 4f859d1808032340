"""Shared code of the en_custom_ner project, one subpackage per concern.

    data/        the annotated Doc and its pieces: errors that name FILE:LINE, decoded
                 lines, the label map, tag schemes, DocBins, recased copies
    formats/     one reader per file format (IOB, CSV, Prodigy JSONL, NeMo, plain
                 texts), the converters, corpus statistics, the unannotated text
    ticker/      TICKER rules and the linker component (``linker.py``, shipped in the
                 wheel), symbol directories, silver training data
    training/    the weighted corpus reader, training runs and their summary logger,
                 weight transfer, transformer helpers, word vectors, the final pipeline,
                 the case augmenter, silver docs an ensemble of seeds agrees on
    evaluation/  the one scoring module, error analysis, speed, the evaluation report,
                 its plots and displaCy page, the package's meta.json, the seed spread
                 (seeds.py) and the runs behind it (seed_runs.py)
    apps/        using a trained model: batch annotation (local and Spark), the REST
                 service, the Streamlit demo, their benchmarks
    confidence/  calibrated per-entity confidence (shipped in the wheel), its fit and
                 the review queue
    loading.py   the one way a pipeline is loaded; device.py: GPU or CPU; machine.py:
                 the CPU and BLAS kernels every figure is measured with
    console.py   how the scripts print; browser.py: headless Chromium; figures.py:
                 saving plots; workflow.py: the project's own checks (assets),
                 clean-up and reproducible wheels

Lower layers never import upper ones (data < formats, loading < ticker < training and confidence < evaluation < apps);
``tests/test_layout.py`` checks it. Nothing is imported here on purpose: importing one
module loads only what that module needs, so project.yml's deps stay exact.
"""

__version__ = "1.0.0"
