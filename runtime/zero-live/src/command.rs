//! The command line of an app's binary: what a deployment runs.
//!
//! ```text
//! Usage: blog [COMMAND]
//!
//! Commands:
//!   serve         Serve the app until Ctrl-C or SIGTERM (the default)
//!   migrate       Apply the migrations the database lacks, then exit
//!   check-config  Read the configuration and the environment, say what is wrong, then exit
//!   version       Print the app's version
//!   help          Print this help
//! ```
//!
//! It follows clap's conventions (`-h`/`--help`, `-V`/`--version`, exit 2 with `error:`, the
//! usage and a `--help` hint for anything else) without clap: five words do not need a parser
//! generator in every app's build.

use std::fmt;

/// What the binary was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppCommand {
    /// Serve until Ctrl-C or SIGTERM (no command).
    Serve,
    /// Apply the migrations the database lacks, then exit.
    Migrate,
    /// Read the configuration and the environment, report, then exit (0 when all is well).
    CheckConfig,
    /// Print the app's name and version.
    Version,
    /// Print the help.
    Help,
}

/// The commands, their names and what they do, in the order the help lists them.
const COMMANDS: &[(&str, AppCommand, &str)] = &[
    ("serve", AppCommand::Serve, "Serve the app until Ctrl-C or SIGTERM (the default)"),
    ("migrate", AppCommand::Migrate, "Apply the migrations the database lacks, then exit"),
    (
        "check-config",
        AppCommand::CheckConfig,
        "Read the configuration and the environment, say what is wrong, then exit",
    ),
    ("version", AppCommand::Version, "Print the app's version"),
    ("help", AppCommand::Help, "Print this help"),
];

/// A command line the binary does not take (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    message: String,
    usage: String,
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "error: {}\n\n{}\n\nFor more information, try '--help'.",
            self.message, self.usage
        )
    }
}

impl std::error::Error for UsageError {}

/// Reads the arguments after the program's name.
pub fn parse(
    program: &str,
    args: impl IntoIterator<Item = String>,
) -> Result<AppCommand, UsageError> {
    let usage = format!("Usage: {program} [COMMAND]");
    let refuse = |message: String| UsageError { message, usage: usage.clone() };
    let mut command = None;
    for arg in args {
        let next = match arg.as_str() {
            "-h" | "--help" => return Ok(AppCommand::Help),
            "-V" | "--version" => return Ok(AppCommand::Version),
            flag if flag.starts_with('-') => {
                return Err(refuse(format!("unexpected argument '{flag}' found")));
            }
            word => match COMMANDS.iter().find(|(name, _, _)| *name == word) {
                Some((_, command, _)) => *command,
                None => return Err(refuse(format!("unrecognized subcommand '{word}'"))),
            },
        };
        if command.is_some() {
            return Err(refuse(format!("unexpected argument '{arg}' found")));
        }
        command = Some(next);
    }
    Ok(command.unwrap_or(AppCommand::Serve))
}

/// The help: what `about` says the app is, the usage, the commands and the options.
pub fn help(program: &str, about: &str) -> String {
    let mut out = format!("{about}\n\nUsage: {program} [COMMAND]\n\nCommands:\n");
    for (name, _, what) in COMMANDS {
        out.push_str(&format!("  {name:<13} {what}\n"));
    }
    out.push_str("\nOptions:\n  -h, --help     Print help\n  -V, --version  Print version\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn each_command_and_flag_is_read_and_nothing_means_serve() {
        assert_eq!(parse("blog", args(&[])), Ok(AppCommand::Serve));
        assert_eq!(parse("blog", args(&["serve"])), Ok(AppCommand::Serve));
        assert_eq!(parse("blog", args(&["migrate"])), Ok(AppCommand::Migrate));
        assert_eq!(parse("blog", args(&["check-config"])), Ok(AppCommand::CheckConfig));
        assert_eq!(parse("blog", args(&["version"])), Ok(AppCommand::Version));
        assert_eq!(parse("blog", args(&["-V"])), Ok(AppCommand::Version));
        assert_eq!(parse("blog", args(&["migrate", "--help"])), Ok(AppCommand::Help));
        assert_eq!(parse("blog", args(&["help"])), Ok(AppCommand::Help));
    }

    #[test]
    fn anything_else_is_a_usage_error_as_clap_writes_it() {
        let e = parse("blog", args(&["serv"])).unwrap_err().to_string();
        assert_eq!(
            e,
            "error: unrecognized subcommand 'serv'\n\nUsage: blog [COMMAND]\n\nFor more information, try '--help'."
        );
        let e = parse("blog", args(&["--port", "80"])).unwrap_err().to_string();
        assert!(e.starts_with("error: unexpected argument '--port' found"), "{e}");
        let e = parse("blog", args(&["migrate", "serve"])).unwrap_err().to_string();
        assert!(e.starts_with("error: unexpected argument 'serve' found"), "{e}");
    }

    #[test]
    fn the_help_lists_every_command() {
        let help = help("blog", "Blog: a 0x0 Live app");
        assert!(help.starts_with("Blog: a 0x0 Live app\n\nUsage: blog [COMMAND]\n"), "{help}");
        for (name, _, what) in COMMANDS {
            assert!(help.contains(&format!("  {name:<13} {what}\n")), "{help}");
        }
        assert!(help.contains("-V, --version"));
    }
}
