"""Pure-Python reference for the julia example: calc_pure_python and
calculate_z_serial_purepython from High Performance Python, chapter 2."""

x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
c_real, c_imag = -0.62772, -0.42193


def grid(desired_width):
    """The book's list of z values, row by row."""
    x_step = (x2 - x1) / desired_width
    y_step = (y1 - y2) / desired_width
    x, y = [], []
    ycoord = y2
    while ycoord > y1:
        y.append(ycoord)
        ycoord += y_step
    xcoord = x1
    while xcoord < x2:
        x.append(xcoord)
        xcoord += x_step
    return [complex(xc, yc) for yc in y for xc in x]


def calculate_z_serial_purepython(maxiter, zs, cs):
    output = [0] * len(zs)
    for i in range(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while abs(z) < 2 and n < maxiter:
            z = z * z + c
            n += 1
        output[i] = n
    return output


def julia(desired_width, max_iterations):
    zs = grid(desired_width)
    cs = [complex(c_real, c_imag)] * len(zs)
    return calculate_z_serial_purepython(max_iterations, zs, cs)
