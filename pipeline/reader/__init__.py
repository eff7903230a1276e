"""The learned reader: find the register's digit row, read it as a sequence, score the typed reading.

One module per stage, as docTR arranges a predictor (pre-processing, a model
session, a numpy post-processor):

- :mod:`rows`: the recognizer's input (a digit-row crop, 32 px high) and alphabet;
- :mod:`ctc`: CTC decoding and the probability of a given reading (numpy only);
- :mod:`onnx`: opens every model of the reader (hash-checked, one thread);
- :mod:`detector`: text-line proposals (PP-OCRv4 det) and rectification of a quad;
- :mod:`finder`: the register-row finder trained here (a row map -> row quads);
- :mod:`recognizer`: the sequence model session over row crops;
- :mod:`likelihood`: the typed reading against its near misses (CTC probabilities);
- :mod:`select`: which read row is the register; :mod:`register`: its legends;
- :mod:`predict`: one photo end to end; :mod:`stage`: the per-photo stage of verify.
"""
