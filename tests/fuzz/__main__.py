from tests.fuzz.campaign import main

main()
