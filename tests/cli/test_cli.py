#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The command line as a user meets it: per-command help, the manual pages
(judged by groff through `man --warnings`), the shell completions (bash run
for real; zsh and fish parsed, fish asked too), and '-' as a file name.

Run: test_cli.py VFIOPLAN (VFIOPLAN_WRAPPER wraps it)."""
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
REPO = os.path.dirname(TESTS)
VFIOPLAN = None
EXAMPLE = os.path.join(REPO, "examples", "dgx-h100")


def vp(*args, **kw):
    wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
    return subprocess.run([*wrapper, VFIOPLAN, *args], capture_output=True, text=kw.pop("text", True), **kw)


def commands():
    """Each command and its synopsis, from the general help."""
    out = vp("--help").stdout
    return re.findall(r"^  vfioplan (\S+)(.*)$", out, re.M)


class Help(unittest.TestCase):
    def test_every_command(self):
        cmds = commands()
        self.assertGreaterEqual(len(cmds), 12)
        for name, synopsis in cmds:
            with self.subTest(command=name):
                a, b = vp("help", name), vp(name, "--help")
                self.assertEqual((a.returncode, b.returncode), (0, 0))
                self.assertEqual(a.stdout, b.stdout)
                text = a.stdout
                self.assertTrue(text.startswith("usage: vfioplan " + name + synopsis + "\n"), text[:200])
                # every option of the synopsis is listed with a sentence under it, and so are --color and --help
                options = re.findall(r"-(-[a-z-]+|[a-z])\b", synopsis)
                for opt in options + ["-color", "-help"]:
                    m = re.search(r"^  (?:-., )?-%s\b[^\n]*\n      \S" % re.escape(opt), text, re.M)
                    self.assertIsNotNone(m, "%s: option -%s has no sentence" % (name, opt))
                self.assertRegex(text, r"\nexit status:\n  0\n      \S")
                self.assertIn("\n  2\n      an error", text)
        # the exit code 1 is listed where the command has it
        self.assertIn("\n  1\n      something would change", vp("help", "plan").stdout)
        self.assertIn("\n  1\n      a check failed", vp("help", "verify").stdout)

    def test_usage_errors(self):
        r = vp("help", "nosuch")
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown command 'nosuch'", r.stderr)
        r = vp("plan", "--output", "x", "spec.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("does not apply to this command", r.stderr)
        r = vp("check", "--format", "yaml", "spec.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--format takes text or json, not 'yaml'", r.stderr)

    def test_version(self):
        r = vp("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^vfioplan \d+\.\d+\.\d+( \(git [0-9a-z.-]+\))?\n$")


def man_warnings(path):
    """What groff says about a page while man formats it (nothing, for a clean page)."""
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_STDERR="1")
    r = subprocess.run(["man", "--warnings", "-E", "UTF-8", "-l", path], capture_output=True, text=True, env=env)
    return r.returncode, r.stderr, r.stdout


def schema_keys():
    """Every key path of the spec's JSON Schema ("vms[].devices[].match.vendor")."""
    with open(os.path.join(REPO, "schema", "vfioplan-v1.schema.json")) as f:
        schema = json.load(f)
    defs = schema.get("$defs", schema.get("definitions", {}))

    def resolve(node):
        while "$ref" in node:
            node = defs[node["$ref"].split("/")[-1]]
        return node

    keys = []

    def walk(node, prefix):
        node = resolve(node)
        if node.get("type") == "array" and "items" in node:
            walk(node["items"], prefix + "[]")
            return
        for key, sub in node.get("properties", {}).items():
            path = prefix + ("." if prefix else "") + key
            keys.append(path)
            walk(sub, path)

    walk(schema, "")
    return keys


@unittest.skipUnless(shutil.which("man"), "man-db is not installed")
class Man(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def page(self, name):
        r = vp("man", name)
        self.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(r.stdout)
        return path, r.stdout

    def test_pages_are_clean(self):
        for name in ("vfioplan.8", "vfioplan.yaml.5"):
            path, _ = self.page(name)
            rc, err, out = man_warnings(path)
            self.assertEqual((rc, err), (0, ""), name)
            self.assertIn("NAME", out)

    def test_warnings_have_teeth(self):
        # the same check on a page with a request groff does not know, and a bad escape
        path, text = self.page("vfioplan.8")
        with open(path, "a") as f:
            f.write(".NOSUCHMACRO x\n\\*[nosuchstring]\n")
        rc, err, _ = man_warnings(path)
        self.assertNotEqual(err, "", "man --warnings said nothing about a broken page")

    def test_vfioplan8_has_every_command_option_and_code(self):
        _, text = self.page("vfioplan.8")
        plain = text.replace("\\-", "-")
        for name, synopsis in commands():
            self.assertIn('.SS "%s%s"' % (name, synopsis.replace("\\", "")), plain)
            for opt in re.findall(r"--[a-z-]+", synopsis):
                self.assertIn(opt, plain)
        for line in vp("codes").stdout.splitlines():
            self.assertIn(".B %s\n" % line.split()[0], text)
        for section in ("SYNOPSIS", "COMMANDS", "OPTIONS", "EXIT STATUS", "FILES", "ENVIRONMENT", "EXAMPLES"):
            self.assertIn(".SH %s\n" % section, text)
        self.assertIn("/usr/libexec/vfioplan/bind", plain)

    def test_yaml5_has_every_key(self):
        _, text = self.page("vfioplan.yaml.5")
        documented = re.findall(r"^\.TP\n\.B (\S+)\n\.RI \"([^\"]+)\"", text, re.M)
        paths = [p for p, _ in documented]
        keys = schema_keys()
        self.assertGreater(len(keys), 40)
        self.assertEqual(sorted(paths), sorted(keys))
        types = dict(documented)
        self.assertEqual(types["vms[].vcpus"], "integer, 1 to 4096")
        self.assertIn("default: auto", text.split(".B host.bootloader\n")[1].split(".TP")[0])
        self.assertIn("default: true", text.split(".B vms[].guest.nvidia.cuda\n")[1].split(".TP")[0])


class Completion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        for name in ("a.yaml", "b.yml", "c.txt", "d/x.yaml"):  # the scripts go to d/ too
            os.makedirs(os.path.dirname(os.path.join(cls.tmp, name)), exist_ok=True)
            open(os.path.join(cls.tmp, name), "w").close()
        cls.scripts = {}
        for shell in ("bash", "zsh", "fish"):
            r = vp("completion", shell)
            assert r.returncode == 0, r.stderr
            path = os.path.join(cls.tmp, "d", "completion." + shell)
            with open(path, "w") as f:
                f.write(r.stdout)
            cls.scripts[shell] = path

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def bash(self, *words):
        """COMPREPLY of _vfioplan for words (the last one is being completed)."""
        quoted = " ".join("'%s'" % w for w in words)
        script = ('source %s\nCOMP_WORDS=(%s)\nCOMP_CWORD=%d\n_vfioplan\nprintf "%%s\\n" "${COMPREPLY[@]}"\n'
                  % (self.scripts["bash"], quoted, len(words) - 1))
        r = subprocess.run(["bash", "--norc", "-c", script], cwd=self.tmp, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return sorted(w for w in r.stdout.split("\n") if w)

    def test_bash(self):
        names = [n for n, _ in commands()]
        self.assertEqual(self.bash("vfioplan", ""), sorted(names + ["--help", "--version"]))
        self.assertEqual(self.bash("vfioplan", "pl"), ["plan"])
        self.assertEqual(self.bash("vfioplan", "plan", "--"), ["--color", "--format", "--help", "--host", "--out", "--root"])
        self.assertEqual(self.bash("vfioplan", "build", "-"), ["--color", "--help", "--host", "--output", "-o"])
        self.assertEqual(self.bash("vfioplan", "plan", "--format", ""), ["json", "text"])
        self.assertEqual(self.bash("vfioplan", "plan", "--format", "=", "j"), ["json"])
        self.assertEqual(self.bash("vfioplan", "check", "--color", "a"), ["always", "auto"])
        self.assertEqual(self.bash("vfioplan", "check", ""), ["a.yaml", "b.yml", "d"])
        self.assertEqual(self.bash("vfioplan", "build", "a.yaml", "-o", ""), ["d"])
        self.assertEqual(self.bash("vfioplan", "snapshot", "-o", ""), ["a.yaml", "b.yml", "c.txt", "d"])
        self.assertEqual(self.bash("vfioplan", "explain", "VP401"), ["VP4010", "VP4011", "VP4012", "VP4013",
                                                                     "VP4014", "VP4015", "VP4016", "VP4017",
                                                                     "VP4018", "VP4019"])
        self.assertEqual(self.bash("vfioplan", "help", "s"), ["scan", "snapshot"])
        self.assertEqual(self.bash("vfioplan", "completion", ""), ["bash", "fish", "zsh"])
        self.assertEqual(self.bash("vfioplan", "scan", ""), [])

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck is not installed")
    def test_bash_shellcheck(self):
        r = subprocess.run(["shellcheck", self.scripts["bash"]], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout)

    @unittest.skipUnless(shutil.which("zsh"), "zsh is not installed (tests/setup-debian.sh test installs it)")
    def test_zsh_parses(self):
        r = subprocess.run(["zsh", "-n", self.scripts["zsh"]], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.scripts["zsh"]) as f:
            text = f.read()
        self.assertTrue(text.startswith("#compdef vfioplan\n"))
        self.assertIn("'--format=[", text)
        self.assertIn(":format:(text json)'", text)
        self.assertIn("_files -g '*.(yaml|yml)'", text)

    @unittest.skipUnless(shutil.which("fish"), "fish is not installed (tests/setup-debian.sh test installs it)")
    def test_fish(self):
        r = subprocess.run(["fish", "-n", self.scripts["fish"]], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

        def complete(line):
            r = subprocess.run(["fish", "--no-config", "-c", "source %s; complete -C '%s'" % (self.scripts["fish"], line)],
                               cwd=self.tmp, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            return sorted(l.split("\t")[0] for l in r.stdout.splitlines())

        self.assertEqual(complete("vfioplan pl"), ["plan"])
        self.assertEqual(complete("vfioplan plan --format "), ["json", "text"])
        self.assertEqual(complete("vfioplan check "), ["a.yaml", "b.yml", "d/"])
        self.assertIn("--no-actions", complete("vfioplan apply --no"))


class Stdio(unittest.TestCase):
    """'-' is standard input or output wherever a file is taken."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.spec = os.path.join(EXAMPLE, "spec.yaml")
        # the example's host as a tree, so that snapshot has a tree to read
        self.host = os.path.join(self.tmp, "host")
        subprocess.run([sys.executable, os.path.join(TESTS, "tools", "mkhost.py"),
                        os.path.join(TESTS, "hosts", "dgx-h100.table"), self.host], check=True, stdout=subprocess.DEVNULL)
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def test_spec_from_stdin(self):
        from_file = vp("plan", self.spec, "--host", self.host, "--root", self.root)
        with open(self.spec) as f:
            from_stdin = vp("plan", "-", "--host", self.host, "--root", self.root, stdin=f)
        self.assertEqual(from_file.returncode, 1)
        self.assertEqual(from_stdin.returncode, 1)
        # the same diff: the generated headers name the host, not the spec's file
        self.assertEqual(from_stdin.stdout, from_file.stdout)
        r = subprocess.run([VFIOPLAN, "check", "-", "--host", self.host], input="apiVersion: nope\n",
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("<stdin>:1:13: error[VP2006]", r.stderr)

    def test_snapshot_through_pipes(self):
        default = vp("snapshot", "--host", self.host)
        dash = vp("snapshot", "--host", self.host, "-o", "-")
        self.assertEqual((default.returncode, dash.returncode), (0, 0))
        self.assertEqual(default.stdout, dash.stdout)
        from_tree = vp("check", self.spec, "--host", self.host)
        from_stdin = vp("check", self.spec, "--host", "-", input=dash.stdout)
        self.assertEqual((from_tree.returncode, from_stdin.returncode), (0, 0), from_stdin.stderr)
        self.assertEqual(from_tree.stdout, from_stdin.stdout)
        with open(self.spec) as f:
            r = vp("check", "-", "--host", "-", stdin=f)
        self.assertEqual(r.returncode, 2)
        self.assertIn("cannot both be standard input", r.stderr)

    def test_no_dash_for_directories(self):
        for args in (("build", self.spec, "--host", self.host, "-o", "-"),
                     ("plan", self.spec, "--host", self.host, "--root", "-"),
                     ("verify", self.spec, "--host", "-"),
                     ("snapshot", "--host", "-")):
            with self.subTest(args=args):
                r = vp(*args)
                self.assertEqual(r.returncode, 2)
                self.assertIn("usage: vfioplan", r.stderr)
                self.assertFalse(os.path.exists("-"))

    def test_snapshot_into_special_files(self):
        # a FIFO is written into, not replaced by a regular file
        fifo = os.path.join(self.tmp, "fifo")
        os.mkfifo(fifo)
        got = []
        reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
        reader.start()
        r = vp("snapshot", "--host", self.host, "-o", fifo)
        reader.join(10)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertEqual(got[0].decode(), vp("snapshot", "--host", self.host).stdout)
        # a symlink to /dev/null stays one (as root, renaming over /dev/null itself would replace the device)
        link = os.path.join(self.tmp, "null")
        os.symlink("/dev/null", link)
        r = vp("snapshot", "--host", self.host, "-o", link)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(os.readlink(link), "/dev/null")
        self.assertTrue(stat.S_ISCHR(os.stat("/dev/null").st_mode))
        # a directory is an error
        r = vp("snapshot", "--host", self.host, "-o", self.tmp)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP5001]", r.stderr)
        self.assertIn("is a directory", r.stderr)
        # a regular file is still replaced atomically
        path = os.path.join(self.tmp, "host.yaml")
        with open(path, "w") as f:
            f.write("old\n")
        self.assertEqual(vp("snapshot", "--host", self.host, "-o", path).returncode, 0)
        with open(path) as f:
            self.assertIn('apiVersion: "vfioplan/snapshot-v2"', f.read())


class Logs(unittest.TestCase):
    """Output a CI log can be trusted with: stdout and stderr into one file keep every line whole and in the
    order written; paths named as they are under the root; options named as the user wrote them."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.host = os.path.join(self.tmp, "host")
        subprocess.run([sys.executable, os.path.join(TESTS, "tools", "mkhost.py"),
                        os.path.join(TESTS, "hosts", "manual-setup.table"), self.host], check=True,
                       stdout=subprocess.DEVNULL)
        self.spec = os.path.join(REPO, "examples", "two-identical-gpus", "spec.yaml")
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    @staticmethod
    def unwrapped(text):
        return "".join(l for l in text.splitlines(True) if not re.match(r"^--\d+-- ", l))

    def assertInterleaved(self, log, out, err):
        """log is out's and err's lines, each whole, each stream in its own order"""
        o, e = out.splitlines(True), err.splitlines(True)
        i = j = 0
        for n, line in enumerate(log.splitlines(True)):
            if i < len(o) and line == o[i]:
                i += 1
            elif j < len(e) and line == e[j]:
                j += 1
            else:
                self.fail("line %d of the log is neither stdout's next line nor stderr's: %r" % (n + 1, line))
        self.assertEqual((i, j), (len(o), len(e)))

    def one_log(self, *args):
        """stdout and stderr apart, then both into one pipe as 'CMD >log 2>&1' has them."""
        apart = vp(*args)
        wrapper = shlex.split(os.environ.get("VFIOPLAN_WRAPPER", ""))
        both = subprocess.run([*wrapper, VFIOPLAN, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return apart, self.unwrapped(both.stdout)

    def test_one_log_keeps_lines_whole(self):
        # plan: the diff (much more than a stdio buffer), then its summary on stderr
        big = os.path.join(REPO, "examples", "dgx-h100")
        apart, log = self.one_log("plan", os.path.join(big, "spec.yaml"), "--host", os.path.join(big, "host.yaml"),
                                  "--root", self.root)
        self.assertEqual(apart.returncode, 1, apart.stderr)
        self.assertGreater(len(apart.stdout), 8192)  # more than stdio buffers
        self.assertInterleaved(log, apart.stdout, self.unwrapped(apart.stderr))
        self.assertTrue(log.endswith("Actions:\n" + apart.stdout.split("Actions:\n")[1] +
                                     self.unwrapped(apart.stderr).splitlines(True)[-1]), log[-300:])
        # check: the warnings, then the summary
        apart, log = self.one_log("check", self.spec, "--host", self.host)
        self.assertIn("warning[VP7001]", apart.stderr)
        self.assertInterleaved(log, apart.stdout, self.unwrapped(apart.stderr))
        # apply: what it wrote, then the warnings
        root = os.path.join(self.tmp, "applied")
        shutil.copytree(self.host, root, symlinks=True)
        both = subprocess.run([*shlex.split(os.environ.get("VFIOPLAN_WRAPPER", "")), VFIOPLAN, "apply", self.spec,
                               "--host", root, "--root", root, "--no-actions"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        log = self.unwrapped(both.stdout)
        self.assertEqual(both.returncode, 0, log)
        self.assertLess(log.index("vfioplan: --no-actions"), log.index("warning[VP7001]"))

    def test_paths_under_the_root(self):
        r = vp("apply", self.spec, "--host", self.host, "--root", self.root + "/", "--no-actions")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("vfioplan: created %s/etc/modprobe.d/vfioplan.conf\n" % self.root, r.stdout)
        self.assertNotIn("created /etc/", r.stdout)
        r = vp("plan", self.spec, "--host", self.host, "--root", self.root)
        self.assertIn("vfioplan: no changes under %s" % self.root, r.stderr)

    def test_option_names(self):
        r = vp("build", self.spec, "--host", self.host, "-o", self.tmp + "/out", "--format", "json")
        self.assertEqual(r.returncode, 2)
        self.assertIn("vfioplan build: option '--format' does not apply to this command", r.stderr)
        r = vp("build", self.spec, "--host", self.host, "-o", self.tmp + "/out", "--format=json")
        self.assertIn("option '--format' does not apply", r.stderr)
        afile = os.path.join(self.tmp, "afile")
        open(afile, "w").close()
        r = vp("build", self.spec, "--host", self.host, "-o", afile)
        self.assertEqual(r.returncode, 2)
        self.assertIn("error[VP5003]: cannot open output directory", r.stderr)
        self.assertIn("hint: -o takes a directory", r.stderr)
        self.assertNotIn("--root", r.stderr)
        r = vp("plan", self.spec, "--host", self.host, "--root", afile)
        self.assertIn("hint: --root takes an existing directory", r.stderr)

    def test_verify_refuses_a_snapshot(self):
        snap = os.path.join(self.tmp, "host.yaml")
        self.assertEqual(vp("snapshot", "--host", self.host, "-o", snap).returncode, 0)
        r = vp("verify", self.spec, "--host", snap)
        self.assertEqual((r.returncode, r.stdout), (2, ""))
        self.assertIn("a snapshot holds facts from before the reboot", r.stderr)
        self.assertIn("usage: vfioplan verify", r.stderr)


if __name__ == "__main__":
    VFIOPLAN = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
