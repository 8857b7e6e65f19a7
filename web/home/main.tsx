import { mount } from '../ui/mount.js';
import { Home } from './Home.js';

mount(<Home />);
