#!/usr/bin/python3
"""Run IJava-style notebooks headless through jshell and write the outputs back.

    nb2jsh.py extract NOTEBOOK.ipynb OUT.jsh     # only write the jshell script (jshell < OUT.jsh)
    nb2jsh.py run --classpath CP [--no-write] [--remote=JVMOPT ...] NOTEBOOK.ipynb ...
        # run them, store outputs (unless --no-write), exit 1 on any cell error

Conventions:
* `%maven g:a:v` lines are recorded (printed) but not resolved: the caller's --classpath must
  already hold those artifacts (scripts/run-notebooks.sh passes the project's classpath). Other
  `%` magics are dropped.
* Lines starting with `.`, `&&`, `||`, `+`, `?` or `:` are joined to the previous line (jshell
  would otherwise end the snippet at the previous, already complete, line).
* The script is fed to jshell on stdin (a script given as a file argument runs without any
  feedback, which hides "cannot be invoked until ..." errors). Its preamble switches to a
  prompt-less feedback mode derived from `concise` that shows no values, only diagnostics and one
  `@@SNIP` line per snippet (its kind, and for an expression its type), and defines
  `display(Object)` like IJava's and JJava's: a `java.awt.image.RenderedImage` becomes an
  image/png output, anything else is printed; like theirs it returns a String (the kernels' display
  id).
* A Java kernel shows the value of a cell's last snippet when it is an expression (JShell's
  `expr;` is an expression too). So a cell whose last snippet has a value fails the run as a stray
  result (`System.out.printf(...)` ends as `java.io.PrintStream@...`, `display(x)` as a display
  id), except a last line without a semicolon, the cell's deliberate value: it is shown as a
  kernel shows it (an image as image/png, anything else as text).
* Each code cell is emitted between two marker statements. jshell keeps going after a failed
  snippet, and wrapping a cell in try/catch would turn its declarations into locals invisible to
  later cells; so failures are detected from jshell's own diagnostics ("|  Exception ...",
  "Error:", unresolved-reference messages) inside a cell's markers; the run is then reported as
  failed (naming the first failing cell) and the runner exits with status 1. A missing end
  marker (crash, System.exit) also fails.
* A cell that prints a line `@@PNG <path>` (or `@@PNG-DATA <base64>`, which `display` prints) gets
  that PNG attached as an image/png output.
"""
import base64
import json
import os
import re
import subprocess
import sys

BEGIN = "@@CELL-BEGIN "
END = "@@CELL-END "
DONE = "@@NOTEBOOK-DONE"
PNG = "@@PNG "
PNG_DATA = "@@PNG-DATA "
ERROR = re.compile(r"^(\|  )?(Exception |Error:|Caused by:|attempted to |.*cannot be (invoked|instantiated|referenced) until)")
SNIP = "@@SNIP "
CONTINUATION = (".", "&&", "||", "+", "?", ":")
NOISE = re.compile(r"^\|  (created|modified|replaced|update|Warning:)|^\|  $")

# Fed before the first cell: quiet prompt-less feedback that still reports every diagnostic, and
# IJava's display() for images (the kernel provides it in Jupyter).
PREAMBLE = r"""/set mode nb concise -quiet
/set prompt nb "" ""
/set format nb display "@@SNIP value {type}\n" expression,varvalue
/set format nb display "@@SNIP other\n" import,statement,vardecl,varinit,assignment,method,class,interface,enum,annotation,record
/set feedback nb
void nbShowValue(Object o) {
    display(o);
}
String display(Object o) {
    if (!(o instanceof java.awt.image.RenderedImage)) {
        System.out.println(o);
        return null;
    }
    java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
    try {
        javax.imageio.ImageIO.write((java.awt.image.RenderedImage) o, "png", png);
    } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
    }
    System.out.println("@@PNG-DATA " + java.util.Base64.getEncoder().encodeToString(png.toByteArray()));
    return null;
}
"""


def code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def extract(nb):
    """Returns (maven coordinates, jshell script)."""
    coords, out = [], [PREAMBLE.rstrip("\n")]
    for i, cell in enumerate(code_cells(nb)):
        body = []
        for line in "".join(cell["source"]).splitlines():
            s = line.strip()
            if s.startswith("%maven "):
                coords.append(s.split()[1])
            elif s.startswith("%"):
                continue
            elif body and s.startswith(CONTINUATION) and not s.startswith("..."):
                # jshell ends a snippet at a line that is already complete, so a fluent chain
                # (`Criteria.builder()` / `.setTypes(...)`) must be joined into one line first.
                body[-1] = body[-1] + " " + s
            else:
                body.append(line)
        # a last line without a semicolon is the cell's value: show it as a kernel would
        last = len(body) - 1
        while last >= 0 and (not body[last].strip() or body[last].strip().startswith("//")):
            last -= 1
        if last >= 0 and not body[last].rstrip().endswith((";", "{", "}")):
            body[last] = "nbShowValue(%s);" % body[last].strip()
        out.append('System.out.println("%s%d");' % (BEGIN, i))
        out.extend(body)
        out.append('System.out.println("%s%d");' % (END, i))
    out.append('System.out.println("%s");' % DONE)
    out.append("/exit")
    return coords, "\n".join(out) + "\n"


def run(nb_path, classpath, jshell="jshell", remote_opts=(), write=True):
    nb = json.load(open(nb_path))
    coords, script = extract(nb)
    jsh = nb_path[:-len(".ipynb")] + ".jsh.tmp"
    with open(jsh, "w") as f:
        f.write(script)
    print("%s: %%maven %s" % (nb_path, " ".join(coords) or "(none)"), flush=True)
    cmd = [jshell, "-q", "--class-path", classpath, "-R-Djshell=true", "-R-Djava.awt.headless=true"]
    cmd += ["-R" + o for o in remote_opts]
    with open(jsh) as script:
        proc = subprocess.Popen(cmd, stdin=script, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    cells = code_cells(nb)
    outputs = {i: [] for i in range(len(cells))}
    current, ended, failed, done = None, set(), None, False
    last_snippet, skip_snip, stray = None, False, []
    for raw in proc.stdout:
        line = raw.rstrip("\n")
        if current is None and BEGIN in line:
            line = line[line.index(BEGIN):]  # after the preamble's last "jshell> " prompts
        if SNIP in line and not line.startswith(SNIP):
            continue  # the preamble's own snippet lines, after its "jshell> " prompts
        if line.startswith(SNIP):
            if current is not None and not skip_snip:
                last_snippet = line[len(SNIP):]
            skip_snip = False
            continue
        sys.stdout.write(raw if not line.startswith(PNG_DATA) else PNG_DATA + "...\n")
        if line.startswith(BEGIN):
            current = int(line[len(BEGIN):])
            last_snippet, skip_snip = None, True  # the marker's own snippet line follows
            continue
        if line.startswith(END):
            ended.add(int(line[len(END):]))
            if last_snippet is not None and last_snippet.startswith("value "):
                stray.append((current, last_snippet[len("value "):]))
            current = None
            continue
        if line == DONE:
            done = True
            continue
        if current is None:
            continue
        if ERROR.match(line):
            if failed is None:
                failed = current
        elif NOISE.match(line):
            continue
        outputs[current].append(line)
    proc.wait()
    os.remove(jsh)
    if failed is None and not done:
        missing = [i for i in range(len(cells)) if i not in ended]
        failed = missing[0] if missing else len(cells) - 1
    for i, cell in enumerate(cells):
        cell["execution_count"] = i + 1
        text, images = [], []
        for line in outputs[i]:
            if line.startswith(PNG_DATA):
                images.append(line[len(PNG_DATA):].strip())
            elif line.startswith(PNG):
                path = line[len(PNG):].strip()
                with open(path, "rb") as f:
                    images.append(base64.b64encode(f.read()).decode("ascii"))
            else:
                text.append(line + "\n")
        out = []
        if text:
            out.append({"name": "stdout", "output_type": "stream", "text": text})
        for img in images:
            out.append({"data": {"image/png": img, "text/plain": ["<image>"]},
                        "metadata": {}, "output_type": "display_data"})
        cell["outputs"] = out
    if write:
        with open(nb_path, "w") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
    for cell, type_name in stray:
        print("%s: code cell %d ends with an expression of type %s: a Java kernel would show its"
              " value as a stray result; end the cell with a statement (println, not printf;"
              " an image as the last line without a semicolon, not display(...))"
              % (nb_path, cell, type_name), file=sys.stderr)
        if failed is None:
            failed = cell
    if failed is not None or proc.returncode != 0:
        print("%s: FAILED in code cell %s (jshell exit %d)" % (nb_path, failed, proc.returncode),
              file=sys.stderr)
        return 1
    print("%s: ok%s" % (nb_path, ", outputs written" if write else ""))
    return 0


def main(argv):
    if len(argv) == 3 and argv[0] == "extract":
        coords, script = extract(json.load(open(argv[1])))
        open(argv[2], "w").write(script)
        print(" ".join(coords))
        return 0
    if len(argv) >= 4 and argv[0] == "run" and argv[1] == "--classpath":
        remote = [a[len("--remote="):] for a in argv[3:] if a.startswith("--remote=")]
        write = "--no-write" not in argv[3:]
        status = 0
        for nb in [a for a in argv[3:] if not a.startswith("--")]:
            status |= run(nb, argv[2], remote_opts=remote, write=write)
        return status
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
