from kordon.interfaces.cli import main

main()
