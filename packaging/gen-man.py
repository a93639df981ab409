#!/usr/bin/env python3
"""Generate nethound(8), nethound.conf(5) and the bash completion from one source.

The options and exit codes come from the built binary's --help; the prose
(configuration file, metrics, privileges, exit codes) from README.md. So a
man page cannot drift from --help or the README: it is rebuilt from them at
every build.

Usage: gen-man.py NETHOUND_BINARY README.md VERSION OUTDIR
"""
import os
import re
import subprocess
import sys


def esc(text):
    """Roff-escape plain text; `code` becomes bold, **x** bold, *x* italic."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    text = re.sub(r"`([^`]+)`", lambda m: "\\fB" + m.group(1) + "\\fR", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", text)
    text = re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*", r"\\fI\1\\fR", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return non_ascii(text)


def non_ascii(text):
    """Characters beyond ASCII as groff's \\[uXXXX], so any troff reads the page."""
    return "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)


def line_safe(text):
    """A roff input line may not start with . or '."""
    return "\\&" + text if text[:1] in (".", "'") else text


def markdown_to_roff(md):
    """Paragraphs, bullet lists, tables and code blocks of the README, as roff."""
    out = []
    lines = md.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            out.append(".PP\n.nf\n.RS 4")
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                out.append(line_safe(non_ascii(lines[i].replace("\\", "\\e")
                                               .replace("-", "\\-"))))
                i += 1
            out.append(".RE\n.fi")
            i += 1
        elif line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                cells = [c.strip() for c in lines[i].strip().strip("|").split(" | ")]
                if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            for cells in rows[1:]:  # the first row is the header
                out.append(".TP\n" + line_safe(esc(cells[0])))
                out.append(line_safe(esc(" ".join(cells[1:]))))
        elif re.match(r"^\s*[-*] ", line):
            while i < len(lines) and re.match(r"^\s*[-*] ", lines[i]):
                item = re.sub(r"^\s*[-*] ", "", lines[i])
                i += 1
                while i < len(lines) and lines[i].startswith("  ") and lines[i].strip() \
                        and not re.match(r"^\s*[-*] ", lines[i]):
                    item += " " + lines[i].strip()
                    i += 1
                out.append(".IP \\(bu 2\n" + line_safe(esc(item)))
        elif line.startswith("#"):
            out.append(".SS " + esc(line.lstrip("#").strip()))
            i += 1
        elif line.startswith("!["):
            i += 1  # a screenshot: nothing a terminal can show
        elif line.strip():
            para = []
            while i < len(lines) and lines[i].strip() and not lines[i].startswith(("|", "```", "#")) \
                    and not re.match(r"^\s*[-*] ", lines[i]):
                para.append(lines[i].strip())
                i += 1
            out.append(".PP\n" + line_safe(esc(" ".join(para))))
        else:
            i += 1
    return "\n".join(out)


def readme_section(readme, title):
    """The body of '## title' (up to the next '## '), without its heading."""
    m = re.search(r"^## " + re.escape(title) + r"[^\n]*\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    if not m:
        sys.exit(f"gen-man: README.md has no '## {title}' section")
    return m.group(1).strip()


def help_sections(help_text):
    """[(title, [(term, description)])] of --help, and its trailing exit-code paragraph."""
    sections, current, exit_codes = [], None, []
    for line in help_text.splitlines():
        if line.startswith("Exit codes:"):
            exit_codes.append(line)
            current = "exit"
        elif current == "exit":
            exit_codes.append(line)
        elif line.endswith(":") and not line.startswith(" "):
            current = (line[:-1], [])
            sections.append(current)
        elif current and re.match(r"^ {2,8}\S", line):
            m = re.match(r"^ +(\S.*?)(?:\s{2,}(.*))?$", line)
            current[1].append([m.group(1), m.group(2) or ""])
        elif current and re.match(r"^ {9,}\S", line) and current[1]:
            current[1][-1][1] = (current[1][-1][1] + " " + line.strip()).strip()
    return sections, " ".join(l.strip() for l in exit_codes)


def long_options(help_text):
    return sorted(set(re.findall(r"(--[a-z][a-z-]+)", help_text)))


def main():
    binary, readme_path, version, outdir = sys.argv[1:5]
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True,
                               check=True).stdout
    with open(readme_path) as f:
        readme = f.read()
    intro = readme.split("\n## ", 1)[0].split("\n", 1)[1].strip()
    sections, exit_codes = help_sections(help_text)
    usage = help_text.splitlines()[0].replace("Usage: ", "")

    man8 = [f'.TH NETHOUND 8 "" "nethound {version}" "System Administration"', ".ad l",
            ".SH NAME", "nethound \\- per\\-process network bandwidth, counted in the kernel "
            "with eBPF", ".SH SYNOPSIS", ".B " + esc(usage), ".SH DESCRIPTION",
            markdown_to_roff(intro)]
    for title, entries in sections:
        if title == "Usage":
            continue
        man8.append(".SH " + esc(title.upper()) if title in ("Commands", "Options")
                    else ".SS " + esc(title))
        for term, desc in entries:
            man8.append(".TP\n" + line_safe("\\fB" + esc(term) + "\\fR"))
            man8.append(line_safe(esc(desc)))
    for title in ("Metrics", "Web dashboard", "Security and privileges", "Install and service"):
        man8 += [".SH " + esc(title.upper()), markdown_to_roff(readme_section(readme, title))]
    man8 += [".SH EXIT STATUS", markdown_to_roff(readme_section(readme, "Exit codes")),
             ".SH FILES", ".TP\n/etc/nethound.conf\nsettings; see \\fBnethound.conf\\fR(5)",
             ".TP\n/var/lib/nethound/nethound.db\nthe history database",
             ".SH SEE ALSO", "\\fBnethound.conf\\fR(5), \\fBsystemd.exec\\fR(5), "
             "\\fBprometheus\\fR(1)"]
    check_exit = exit_codes  # kept in --help; the README table is the fuller text
    del check_exit

    man5 = [f'.TH NETHOUND.CONF 5 "" "nethound {version}" "File Formats"', ".ad l",
            ".SH NAME", "nethound.conf \\- settings of nethound",
            ".SH SYNOPSIS", "/etc/nethound.conf",
            ".SH DESCRIPTION", markdown_to_roff(readme_section(readme, "Configuration file")),
            ".SH SEE ALSO", "\\fBnethound\\fR(8)"]

    commands = [term for title, entries in sections if title == "Commands"
                for term, _ in entries if not term.startswith("(")]
    options = long_options(help_text)
    completion = f"""# bash completion for nethound; generated from 'nethound --help' by gen-man.py
_nethound()
{{
	local cur prev
	COMPREPLY=()
	cur=${{COMP_WORDS[COMP_CWORD]}}
	prev=${{COMP_WORDS[COMP_CWORD-1]}}
	case $prev in
	--hooks) COMPREPLY=($(compgen -W "auto fentry tracepoint kprobe" -- "$cur")); return ;;
	--tc) COMPREPLY=($(compgen -W "auto tcx netlink off" -- "$cur")); return ;;
	--format) COMPREPLY=($(compgen -W "text json csv" -- "$cur")); return ;;
	-i|--interface) COMPREPLY=($(compgen -W "$(ls /sys/class/net 2>/dev/null)" -- "$cur")); return ;;
	--config|--db|--btf) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--alert-exec) COMPREPLY=($(compgen -c -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "{' '.join(options)}" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "{' '.join(commands)}" -- "$cur"))
	fi
}}
complete -F _nethound nethound
"""
    # zsh and fish: the same words, from the same --help.
    takes_value = {m.group(1) for title, entries in sections for term, _ in entries
                   for m in re.finditer(r"(--[a-z][a-z-]+)[ =][A-Z]", term)}
    zsh = ("#compdef nethound\n# zsh completion for nethound; generated from 'nethound --help'\n"
           "_arguments '1:command:(" + " ".join(commands) + ")' " +
           " ".join(f"'{o}[]:value: '" if o in takes_value else f"'{o}[]'" for o in options) +
           "\n")
    fish = ("# fish completion for nethound; generated from 'nethound --help'\n"
            "complete -c nethound -n __fish_use_subcommand -f -a '" + " ".join(commands) + "'\n" +
            "".join(f"complete -c nethound -l {o[2:]}{' -r' if o in takes_value else ''}\n"
                    for o in options))
    os.makedirs(outdir, exist_ok=True)
    for name, text in (("nethound.8", "\n".join(man8) + "\n"),
                       ("nethound.conf.5", "\n".join(man5) + "\n"),
                       ("nethound.bash-completion", completion),
                       ("_nethound", zsh), ("nethound.fish", fish)):
        with open(os.path.join(outdir, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
