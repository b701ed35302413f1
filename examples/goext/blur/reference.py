"""Pure-Python reference for the blur example: a 3x3 box filter with the
edge pixels repeated, on an image given as nested lists of rows (of
pixels, or of lists of channel values)."""


def blur(img):
    h, w = len(img), len(img[0])
    color = isinstance(img[0][0], list)
    out = []
    for i in range(h):
        row = []
        for j in range(w):
            chans = len(img[0][0]) if color else 1
            px = []
            for k in range(chans):
                s = 0.0
                for di in (-1, 0, 1):
                    ii = min(max(i + di, 0), h - 1)
                    for dj in (-1, 0, 1):
                        jj = min(max(j + dj, 0), w - 1)
                        s += img[ii][jj][k] if color else img[ii][jj]
                px.append(s / 9)
            row.append(px if color else px[0])
        out.append(row)
    return out


def blur_numpy(img):
    """The same with numpy: the sum of nine shifted views of the padded
    image, added in the Go code's order."""
    import numpy as np
    h, w = img.shape[:2]
    p = np.pad(img, ((1, 1), (1, 1)) + ((0, 0),) * (img.ndim - 2), mode="edge")
    acc = np.zeros(img.shape)
    for di in range(3):
        for dj in range(3):
            acc += p[di:di + h, dj:dj + w]
    return acc / 9
