//! `capstan registry login|logout HOST`: Helm's registry commands
//! (pkg/cmd/registry_login.go, registry_logout.go) over `dist::oci`.

use std::io::{BufRead, Read, Write};

use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct RegistryArgs {
    #[command(subcommand)]
    pub command: RegistryCommand,
}

#[derive(Subcommand, Debug)]
pub enum RegistryCommand {
    /// Login to a registry.
    Login(LoginArgs),
    /// Logout from a registry.
    Logout(LogoutArgs),
}

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// [host]
    #[arg(required = true)]
    pub host: Vec<String>,
    /// Registry username.
    #[arg(short = 'u', long = "username")]
    pub username: Option<String>,
    /// Registry password or identity token.
    #[arg(short = 'p', long = "password")]
    pub password: Option<String>,
    /// Read password or identity token from stdin.
    #[arg(long = "password-stdin")]
    pub password_stdin: bool,
    /// Allow connections to TLS registry without certs.
    #[arg(long = "insecure")]
    pub insecure: bool,
    /// Identify registry client using this SSL certificate file.
    #[arg(long = "cert-file")]
    pub cert_file: Option<String>,
    /// Identify registry client using this SSL key file.
    #[arg(long = "key-file")]
    pub key_file: Option<String>,
    /// Verify certificates of HTTPS-enabled servers using this CA bundle.
    #[arg(long = "ca-file")]
    pub ca_file: Option<String>,
    /// Use insecure HTTP connections for the registry login.
    #[arg(long = "plain-http")]
    pub plain_http: bool,
}

#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// [host]
    pub host: String,
}

/// Prints `prompt` and reads one line from stdin (without its newline).
fn read_line(prompt: &str) -> Result<String, String> {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(prompt.as_bytes());
    let _ = stdout.flush();
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    if n == 0 {
        return Err("EOF".into());
    }
    Ok(line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line)
        .to_string())
}

/// Helm's `getUsernamePassword`: `--password-stdin` (one trailing `\n`,
/// then one `\r`, removed), else the flags, else prompts.
fn username_password(a: &LoginArgs) -> Result<(String, String), String> {
    let mut username = a.username.clone().unwrap_or_default();
    let mut password = a.password.clone().unwrap_or_default();
    if a.password_stdin {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| e.to_string())?;
        let s = String::from_utf8_lossy(&buf).into_owned();
        let s = s.strip_suffix('\n').unwrap_or(&s);
        password = s.strip_suffix('\r').unwrap_or(s).to_string();
    } else if password.is_empty() {
        if username.is_empty() {
            username = read_line("Username: ")?.trim().to_string();
        }
        if username.is_empty() {
            password = read_line("Token: ")?;
            println!();
            if password.is_empty() {
                return Err("token required".into());
            }
        } else {
            password = read_line("Password: ")?;
            println!();
            if password.is_empty() {
                return Err("password required".into());
            }
        }
    } else {
        eprintln!(
            "level=WARN msg=\"using --password via the CLI is insecure. Use --password-stdin\""
        );
    }
    Ok((username, password))
}

pub fn run(a: &RegistryArgs, settings: &dist::paths::Settings) -> Result<String, String> {
    match &a.command {
        RegistryCommand::Login(l) => {
            let host = &l.host[0];
            let (username, password) = username_password(l)?;
            if host.contains('/') {
                let suggested = host.split('/').next().unwrap_or("");
                eprintln!("level=WARN msg=\"registry login currently only supports registry hostname, not a repository path\" host={host} suggested={suggested}");
            }
            let http = crate::push::http_options(&l.ca_file, &l.cert_file, &l.key_file, l.insecure);
            let client =
                dist::oci::Client::new(crate::push::client_options(settings, http, l.plain_http))?;
            client.login(host, &username, &password)?;
            Ok("Login Succeeded\n".into())
        }
        RegistryCommand::Logout(l) => {
            let client = dist::oci::Client::new(crate::push::client_options(
                settings,
                dist::http::Options::default(),
                false,
            ))?;
            client.logout(&l.host)?;
            Ok(format!("Removing login credentials for {}\n", l.host))
        }
    }
}
