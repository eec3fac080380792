//! What an installed keysweep tells about itself without a README or a network: shell
//! completion scripts (`keysweep completions SHELL`) and a roff man page (`keysweep man`), both
//! generated from the clap definitions so they never drift from the flags.
//!
//! The man page is one page, keysweep(1), with a section per command (`keysweep scan`,
//! `keysweep patterns list`, …); `keysweep man scan` is that command's page alone.

use clap::Command;
use clap_mangen::roff::{roman, Roff};
use clap_mangen::Man;
use std::io::Write;

pub use clap_complete::Shell;

/// The completion script of `shell` for `cmd` (the whole command line). Built in memory:
/// clap_complete panics on a write error, such as a closed pipe.
pub fn completions(shell: Shell, mut cmd: Command) -> Vec<u8> {
    let name = cmd.get_name().to_string();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, name, &mut script);
    script
}

/// Writes the man page of `cmd`'s subcommand at `path` (`["patterns", "list"]`), or of the whole
/// program when `path` is empty.
///
/// # Errors
/// `path` names no command (the error lists those there are), or writing fails.
pub fn man_page(mut root: Command, path: &[String], out: &mut dyn Write) -> anyhow::Result<()> {
    root.build();
    // A command's page says which keysweep it documents, as the whole program's does.
    let source = format!(
        "{} {}",
        root.get_name(),
        root.get_version().unwrap_or_default()
    );
    let mut cmd = &root;
    for name in path {
        cmd = cmd
            .get_subcommands()
            .find(|c| c.get_name() == name)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no command {name:?} in {}; there are: {}",
                    display_name(cmd),
                    documented(cmd)
                        .map(|c| c.get_name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?;
    }
    let mut page = Vec::new();
    render_page(cmd, &source, &mut page)?;
    // A terminal without UTF-8 (man's ASCII device) has no ellipsis; help texts use it.
    let page = String::from_utf8_lossy(&page).replace('…', "...");
    out.write_all(page.as_bytes())?;
    Ok(())
}

/// `keysweep` or `keysweep scan`, as a user types it.
fn display_name(cmd: &Command) -> String {
    cmd.get_bin_name().unwrap_or(cmd.get_name()).to_string()
}

/// The subcommands worth a section: not clap's own `help`, not hidden ones.
fn documented(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|c| c.get_name() != "help" && !c.is_hide_set())
}

/// The commands under `cmd` that do something (`patterns list`, not `patterns`), in order.
fn leaves(cmd: &Command) -> Vec<&Command> {
    documented(cmd)
        .flat_map(|c| {
            if c.has_subcommands() {
                leaves(c)
            } else {
                vec![c]
            }
        })
        .collect()
}

fn render_page(cmd: &Command, source: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let man = Man::new(cmd.clone()).source(source);
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    examples(cmd, "SH", out)?;
    for sub in leaves(cmd) {
        // The global flags are told once, in the page's own OPTIONS.
        let sub = sub
            .clone()
            .mut_args(|a| if a.is_global_set() { a.hide(true) } else { a });
        let sub = &sub;
        let mut roff = Roff::default();
        roff.control("SH", [display_name(sub).to_uppercase().as_str()]);
        roff.to_writer(out)?;
        // Each command's parts are subsections of its own section.
        let mut parts = Vec::new();
        let man = Man::new(sub.clone());
        man.render_synopsis_section(&mut parts)?;
        man.render_description_section(&mut parts)?;
        man.render_options_section(&mut parts)?;
        out.write_all(&demoted(&parts))?;
        examples(sub, "SS", out)?;
    }
    if cmd.get_version().is_some() {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// Roff with its section headings (`.SH`) made subsection headings (`.SS`). Text lines never
/// start with a control character (roff escapes a leading `.`), so only headings match.
fn demoted(roff: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(roff);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.strip_prefix(".SH ") {
            Some(rest) => {
                out.push_str(".SS ");
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out.into_bytes()
}

/// The command's after-help text (its examples and notes) as written, line for line: roff would
/// otherwise fill the example lines into one paragraph.
fn examples(cmd: &Command, heading: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let Some(text) = cmd.get_after_long_help().or(cmd.get_after_help()) else {
        return Ok(());
    };
    let text = text.to_string();
    let body = text.strip_prefix("Examples:\n").unwrap_or(&text);
    let mut roff = Roff::default();
    roff.control(heading, ["EXAMPLES"]);
    roff.control("nf", []);
    for line in body.lines() {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff.to_writer(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_section_headings_are_demoted() {
        let roff = b".SH OPTIONS\n.TP\n\\&.SH is text here\n";
        assert_eq!(
            String::from_utf8(demoted(roff)).unwrap(),
            ".SS OPTIONS\n.TP\n\\&.SH is text here\n"
        );
    }
}
