"""The learned reader: find the register's digit row, read it as a sequence, score the typed reading.

One module per stage, as docTR arranges a predictor (pre-processing, a model
session, a numpy post-processor):

- :mod:`rows`: the recognizer's input (a digit-row crop, 32 px high) and alphabet;
- :mod:`ctc`: CTC decoding and the probability of a given reading (numpy only);
- :mod:`recognizer`: the sequence model session (onnxruntime) over row crops.
"""
