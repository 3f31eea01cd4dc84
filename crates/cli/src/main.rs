fn main() {
    eprintln!("capstan: not yet implemented");
    std::process::exit(1);
}
