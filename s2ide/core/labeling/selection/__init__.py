"""Selection tools' pure functions: magic wand, outline-aware fill, GrabCut, live-wire,
superpixels, mask refinement and the live pixel classifier, on numpy arrays in image pixels.

Each module imports OpenCV or scikit-image inside its functions, so `import s2ide.core...`
and the app's cold start never pay for them.
"""
