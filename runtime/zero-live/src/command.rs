//! The command line of an app's binary: what a deployment runs.
//!
//! ```text
//! Usage: blog [COMMAND]
//!
//! Commands:
//!   serve         Serve the app until Ctrl-C or SIGTERM (the default)
//!   migrate       Apply the migrations the database lacks, then exit
//!   rollback-migration
//!                 Revert the newest migration by its down file (--step N, --to VERSION)
//!   check-config  Read the configuration and the environment, say what is wrong, then exit
//!   version       Print the app's version
//!   help          Print this help
//! ```
//!
//! It follows clap's conventions (`-h`/`--help`, `-V`/`--version`, `--flag VALUE` or
//! `--flag=VALUE`, exit 2 with `error:`, the usage and a `--help` hint for anything else)
//! without clap: six words and two flags do not need a parser generator in every app's build.

use std::fmt;

/// What the binary was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppCommand {
    /// Serve until Ctrl-C or SIGTERM (no command).
    Serve,
    /// Apply the migrations the database lacks, then exit.
    Migrate,
    /// Revert migrations by their down files, newest first, then exit.
    RollbackMigration {
        /// How many to revert (`--step N`, 1 by default); ignored when `to` is given.
        steps: u32,
        /// Revert every migration newer than this version (`--to VERSION`).
        to: Option<i64>,
    },
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
        "rollback-migration",
        AppCommand::RollbackMigration { steps: 1, to: None },
        "Revert the newest migration by its down file (--step N, --to VERSION)",
    ),
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
    let mut args = args.into_iter();
    let (mut steps, mut to) = (None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
            _ => (arg.as_str(), None),
        };
        let next = match flag {
            "-h" | "--help" => return Ok(AppCommand::Help),
            "-V" | "--version" => return Ok(AppCommand::Version),
            "--step" | "--to" if matches!(command, Some(AppCommand::RollbackMigration { .. })) => {
                let placeholder = if flag == "--step" { "<N>" } else { "<VERSION>" };
                let Some(value) = inline.or_else(|| args.next()) else {
                    return Err(refuse(format!(
                        "a value is required for '{flag} {placeholder}' but none was supplied"
                    )));
                };
                let invalid = |why: &str| {
                    refuse(format!("invalid value '{value}' for '{flag} {placeholder}': {why}"))
                };
                if flag == "--step" {
                    match value.parse::<u32>() {
                        Ok(n) if n >= 1 => steps = Some(n),
                        _ => return Err(invalid("a whole number of at least 1")),
                    }
                } else {
                    match value.parse::<i64>() {
                        Ok(v) if v >= 0 => to = Some(v),
                        _ => return Err(invalid("a migration version (0 reverts them all)")),
                    }
                }
                if steps.is_some() && to.is_some() {
                    return Err(refuse(
                        "the argument '--step <N>' cannot be used with '--to <VERSION>'".to_owned(),
                    ));
                }
                continue;
            }
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
    Ok(match command {
        Some(AppCommand::RollbackMigration { .. }) => {
            AppCommand::RollbackMigration { steps: steps.unwrap_or(1), to }
        }
        Some(command) => command,
        None => AppCommand::Serve,
    })
}

/// The help: what `about` says the app is, the usage, the commands and the options.
pub fn help(program: &str, about: &str) -> String {
    let mut out = format!("{about}\n\nUsage: {program} [COMMAND]\n\nCommands:\n");
    for (name, _, what) in COMMANDS {
        if name.len() > 13 {
            out.push_str(&format!("  {name}\n  {:<13} {what}\n", ""));
        } else {
            out.push_str(&format!("  {name:<13} {what}\n"));
        }
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
    fn rollback_migration_takes_a_step_count_or_a_version() {
        let rollback = |steps, to| Ok(AppCommand::RollbackMigration { steps, to });
        assert_eq!(parse("blog", args(&["rollback-migration"])), rollback(1, None));
        assert_eq!(parse("blog", args(&["rollback-migration", "--step", "3"])), rollback(3, None));
        assert_eq!(parse("blog", args(&["rollback-migration", "--step=2"])), rollback(2, None));
        assert_eq!(
            parse("blog", args(&["rollback-migration", "--to", "20260101000000"])),
            rollback(1, Some(20260101000000))
        );
        assert_eq!(parse("blog", args(&["rollback-migration", "--to=0"])), rollback(1, Some(0)));
    }

    #[test]
    fn a_bad_rollback_flag_is_a_usage_error() {
        let err = |words: &[&str]| parse("blog", args(words)).unwrap_err().to_string();
        let e = err(&["rollback-migration", "--step", "0"]);
        assert!(e.starts_with("error: invalid value '0' for '--step <N>'"), "{e}");
        let e = err(&["rollback-migration", "--step", "two"]);
        assert!(e.starts_with("error: invalid value 'two' for '--step <N>'"), "{e}");
        let e = err(&["rollback-migration", "--to", "-4"]);
        assert!(e.starts_with("error: invalid value '-4' for '--to <VERSION>'"), "{e}");
        let e = err(&["rollback-migration", "--to"]);
        assert!(e.starts_with("error: a value is required for '--to <VERSION>'"), "{e}");
        let e = err(&["rollback-migration", "--step", "1", "--to", "5"]);
        assert!(e.contains("'--step <N>' cannot be used with '--to <VERSION>'"), "{e}");
        let e = err(&["migrate", "--step", "1"]);
        assert!(e.starts_with("error: unexpected argument '--step' found"), "{e}");
        let e = err(&["--to=3", "rollback-migration"]);
        assert!(e.starts_with("error: unexpected argument '--to' found"), "{e}");
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
            assert!(help.contains(&format!("  {name}")) && help.contains(what), "{help}");
        }
        assert!(help.contains("-V, --version"));
    }
}
