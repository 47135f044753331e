from convanim.cli import main

main()
